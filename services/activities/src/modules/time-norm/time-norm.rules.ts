import { DEFAULT_TIME_NORMS, operationKinds, type OperationKind } from '@crm/events';

export interface TimeNormRow {
  operation: OperationKind;
  minutes: number;
  isDefault: boolean;
}

/** The whole table, in the order of OperationKind: the tenant's own minutes, else the default. */
export function fullTable(own: readonly { operation: OperationKind; minutes: number }[]): TimeNormRow[] {
  const set = new Map(own.map((norm) => [norm.operation, norm.minutes]));
  return operationKinds.map((operation) => {
    const minutes = set.get(operation);
    return minutes === undefined ? { operation, minutes: DEFAULT_TIME_NORMS[operation], isDefault: true } : { operation, minutes, isDefault: false };
  });
}

/** The tenant's own norms after setting `changes` (later ones are refused as duplicates before this). */
export function mergeNorms(own: readonly { operation: OperationKind; minutes: number }[], changes: readonly { operation: OperationKind; minutes: number }[]) {
  const merged = new Map(own.map((norm) => [norm.operation, norm.minutes]));
  for (const change of changes) merged.set(change.operation, change.minutes);
  return operationKinds.filter((operation) => merged.has(operation)).map((operation) => ({ operation, minutes: merged.get(operation)! }));
}
