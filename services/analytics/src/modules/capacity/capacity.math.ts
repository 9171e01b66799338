/**
 * Pure capacity maths: the hours a contact plan or a prospect campaign needs, and so the number
 * of sales managers. No I/O, so every formula is unit-tested with hand-computed plans. `terms`
 * spell out every product and sum in the order they are computed, so a reader can redo them.
 */

export type AbcClassName = 'A' | 'B' | 'C';

/** Minutes per operation kind (CALL, MEETING_OFFICE...): the tenant's time norms. */
export type TimeNorms = Readonly<Record<string, number>>;

export interface PlannedOperation {
  operation: string;
  /** How often per year (contact plan) or per prospect (prospect plan). */
  times: number;
}

export interface ClassPlan {
  abcClass: AbcClassName;
  operations: PlannedOperation[];
}

export interface ClassFigures {
  abcClass: AbcClassName;
  clients: number;
  hoursPerClient: number;
  hours: number;
}

export interface CapacityFigures {
  classes: ClassFigures[];
  totalHours: number;
  managersExact: number;
  managersNeeded: number;
  terms: string[];
}

export interface ProspectFigures {
  hoursTotal: number;
  managerHoursInPeriod: number;
  managersExact: number;
  managersNeeded: number;
  terms: string[];
}

/** Up to two decimals, trailing zeros dropped: 7, 7.5, 0.33. */
export const formatNumber = (value: number): string => String(Math.round(value * 100) / 100);

/** Whole managers: floating-point noise (3.0000000001) must not add one. */
export const managersFor = (exact: number): number => Math.max(0, Math.ceil(exact - 1e-9));

const sumTerm = (parts: string[], unit: string, total: number) => `${parts.length > 0 ? parts.join(' + ') : `0 ${unit}`} = ${formatNumber(total)} ${unit}`;

/** The minutes one client (or prospect) takes: Σ times × norm, each product spelled out. */
function minutesOf(label: string, operations: PlannedOperation[], norms: TimeNorms, terms: string[]): number {
  let minutes = 0;
  const products: string[] = [];
  for (const { operation, times } of operations) {
    const norm = norms[operation] ?? 0;
    const product = times * norm;
    terms.push(`${label}: ${formatNumber(times)} × ${operation} ${formatNumber(norm)} min = ${formatNumber(product)} min`);
    products.push(`${formatNumber(product)} min`);
    minutes += product;
  }
  terms.push(`${label}: ${sumTerm(products, 'min', minutes)} = ${formatNumber(minutes / 60)} h`);
  return minutes;
}

const ORDER: AbcClassName[] = ['A', 'B', 'C'];

/**
 * Hours per year of a contact plan: per class, the minutes per client from the norms, times the
 * clients of the class; the managers needed = total hours / selling hours per manager and year.
 * A class without a plan needs no time; a class without a count has no clients.
 */
export function capacityPlan(plans: ClassPlan[], clientCounts: Partial<Record<AbcClassName, number>>, sellingHoursPerManagerYear: number, norms: TimeNorms): CapacityFigures {
  const terms: string[] = [];
  const classes = ORDER.filter((abcClass) => plans.some((plan) => plan.abcClass === abcClass)).map((abcClass): ClassFigures => {
    const plan = plans.find((candidate) => candidate.abcClass === abcClass)!;
    const hoursPerClient = minutesOf(abcClass, plan.operations, norms, terms) / 60;
    const clients = clientCounts[abcClass] ?? 0;
    const hours = hoursPerClient * clients;
    terms.push(`${abcClass}: ${formatNumber(hoursPerClient)} h × ${clients} clients = ${formatNumber(hours)} h`);
    return { abcClass, clients, hoursPerClient, hours };
  });
  const totalHours = classes.reduce((sum, row) => sum + row.hours, 0);
  terms.push(`total: ${sumTerm(classes.map((row) => `${formatNumber(row.hours)} h`), 'h', totalHours)}`);
  const managersExact = totalHours / sellingHoursPerManagerYear;
  const managersNeeded = managersFor(managersExact);
  terms.push(`managers: ${formatNumber(totalHours)} h / ${formatNumber(sellingHoursPerManagerYear)} h per manager = ${formatNumber(managersExact)} → ${managersNeeded}`);
  return { classes, totalHours, managersExact, managersNeeded, terms };
}

/**
 * Managers needed to work through `prospects` prospects in `months` months: the hours of the
 * operations per prospect times the prospects, over one manager's selling hours in that period.
 */
export function prospectCapacityPlan(prospects: number, months: number, operations: PlannedOperation[], sellingHoursPerManagerYear: number, norms: TimeNorms): ProspectFigures {
  const terms: string[] = [];
  const minutesPerProspect = minutesOf('per prospect', operations, norms, terms);
  const hoursTotal = (minutesPerProspect / 60) * prospects;
  terms.push(`total: ${formatNumber(minutesPerProspect / 60)} h × ${prospects} prospects = ${formatNumber(hoursTotal)} h`);
  const managerHoursInPeriod = (sellingHoursPerManagerYear * months) / 12;
  terms.push(`per manager: ${formatNumber(sellingHoursPerManagerYear)} h × ${formatNumber(months)} months / 12 = ${formatNumber(managerHoursInPeriod)} h`);
  const managersExact = hoursTotal / managerHoursInPeriod;
  const managersNeeded = managersFor(managersExact);
  terms.push(`managers: ${formatNumber(hoursTotal)} h / ${formatNumber(managerHoursInPeriod)} h = ${formatNumber(managersExact)} → ${managersNeeded}`);
  return { hoursTotal, managerHoursInPeriod, managersExact, managersNeeded, terms };
}
