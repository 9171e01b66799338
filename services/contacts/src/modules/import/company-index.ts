import type { Types } from 'mongoose';

/** A company as matching needs it: its keys, and the row of this import that named it first (if one did). */
export interface KnownCompany {
  _id: Types.ObjectId;
  name: string;
  nameKey: string;
  domain?: string | null;
  taxId?: string | null;
  row?: number;
}

type Keys = Pick<KnownCompany, 'nameKey' | 'domain' | 'taxId'>;

/** Two values that are both present must be equal. */
const agree = (a?: string | null, b?: string | null) => !a || !b || a === b;

/**
 * Companies by tax id and by name, matched the way duplicates are: the same tax id, or the same
 * name with no disagreeing web domain or tax id (a name alone matches a company of that name).
 */
export class CompanyIndex {
  private readonly byTax = new Map<string, KnownCompany[]>();
  private readonly byName = new Map<string, KnownCompany[]>();

  add(company: KnownCompany): void {
    const push = (map: Map<string, KnownCompany[]>, key: string) => {
      const list = map.get(key);
      if (list) list.push(company);
      else map.set(key, [company]);
    };
    if (company.taxId) push(this.byTax, company.taxId);
    push(this.byName, company.nameKey);
  }

  match(candidate: Keys): KnownCompany | undefined {
    const byTax = candidate.taxId ? this.byTax.get(candidate.taxId)?.[0] : undefined;
    if (byTax) return byTax;
    const named = (this.byName.get(candidate.nameKey) ?? []).filter((known) => agree(known.domain, candidate.domain) && agree(known.taxId, candidate.taxId));
    return named.find((known) => known.domain === candidate.domain) ?? named[0];
  }
}
