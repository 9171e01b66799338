import { Types } from 'mongoose';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { companyFields } from '../company-list/company-fields';
import type { Access } from '@crm/policy';
import { compileFilter, type FilterInput } from '../list-filter/compile-filter';
import { allOf } from '../list-filter/store-filter';

/** The export's filter: the lists' CompanyFilter, as the client gave it. */
export type CompanyExportFilter = FilterInput | null;

/** Companies read per store query: each page is one bounded, indexed query. */
const PAGE = 500;

/**
 * Every company of the tenant the filter matches, newest first, as a stream of pages read by
 * key range on `{tenantId, _id}` (never one long-lived cursor: each query stays within the store's
 * time limit however many companies there are). The one place the export reads companies;
 * `rowScope` is the exporter's row filter and `reader` their access (@crm/policy): a filter on a
 * field they may not read is FORBIDDEN.
 */
export async function* findCompanies(tenantId: string, filter: CompanyExportFilter = null, rowScope: Record<string, unknown> = {}, reader?: Access): AsyncGenerator<CompanyDoc> {
  const match = allOf([{ tenantId }, compileFilter(filter, companyFields, 'filter', reader), rowScope]);
  let before: Types.ObjectId | undefined;
  for (;;) {
    const page = await CompanyModel.find(before ? allOf([match, { _id: { $lt: before } }]) : match, { outbox: 0 })
      .sort({ _id: -1 })
      .limit(PAGE)
      .lean<CompanyDoc[]>();
    yield* page;
    if (page.length < PAGE) return;
    before = page[page.length - 1]!._id;
  }
}
