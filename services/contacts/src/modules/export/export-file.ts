import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { loadExcel } from '../shared/load-excel';
import type { CompanyDoc } from '../company/company.model';
import type { FileFormat } from '../upload/upload.model';

/**
 * The export's columns: a heading, the Company field it shows (by its API path, as field rights
 * name it) and how to read it from a company.
 */
interface Column {
  heading: string;
  field: string;
  read: (company: CompanyDoc) => string | number | null;
}
const columns: Column[] = [
  { heading: 'id', field: 'id', read: (c) => String(c._id) },
  { heading: 'name', field: 'name', read: (c) => c.name },
  { heading: 'website', field: 'website', read: (c) => c.website ?? null },
  { heading: 'industry', field: 'industry', read: (c) => c.industry ?? null },
  { heading: 'taxId', field: 'taxId', read: (c) => c.taxId ?? null },
  { heading: 'phone', field: 'phones', read: (c) => (c.phones.find((p) => p.primary) ?? c.phones[0])?.number ?? null },
  { heading: 'email', field: 'emails', read: (c) => (c.emails.find((e) => e.primary) ?? c.emails[0])?.address ?? null },
  { heading: 'ownerId', field: 'ownerId', read: (c) => c.ownerId ?? null },
  { heading: 'teamId', field: 'teamId', read: (c) => c.teamId ?? null },
  { heading: 'territoryId', field: 'territoryId', read: (c) => c.territoryId ?? null },
  { heading: 'source', field: 'source', read: (c) => c.source ?? null },
  { heading: 'tags', field: 'tags', read: (c) => (c.tags ?? []).join('; ') },
  { heading: 'abcClass', field: 'abcClass', read: (c) => c.abcClass ?? null },
  { heading: 'potential', field: 'potential', read: (c) => (c.potential ? `${c.potential.amount} ${c.potential.currency}` : null) },
  { heading: 'customFields', field: 'customFields', read: (c) => (c.customFields && Object.keys(c.customFields).length > 0 ? JSON.stringify(c.customFields) : null) },
  { heading: 'createdAt', field: 'createdAt', read: (c) => (c.createdAt ? new Date(c.createdAt).toISOString() : null) },
];

/**
 * The columns a reader denied `denied` (Company paths, see deniedFields in @crm/policy) may see:
 * the file must not show what GraphQL answers them as null/FORBIDDEN. A column goes when a denied
 * path is its field, above it, or inside it (a denied part of the custom fields hides them all).
 */
const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
const readableColumns = (denied: readonly string[]) => columns.filter((column) => !denied.some((path) => overlaps(column.field, path)));

export const contentTypes: Record<FileFormat, string> = {
  CSV: 'text/csv; charset=utf-8',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const drained = async (stream: Writable) => {
  if (stream.writableNeedDrain) await once(stream, 'drain');
};

/**
 * Writes companies as CSV (csv-stringify) or XLSX (exceljs's streaming writer, no shared strings,
 * each row committed as it is written) into `out`, waiting whenever `out` is full: whatever the
 * number of companies, a page of them is in memory. `denied`: the reader's denied Company fields
 * (their columns are left out).
 */
export async function writeCompaniesFile(companies: AsyncIterable<CompanyDoc>, format: FileFormat, out: Writable, denied: readonly string[]): Promise<void> {
  const shown = readableColumns(denied);
  if (format === 'CSV') {
    const csv = stringify({ header: true, columns: shown.map((column) => column.heading), bom: true });
    csv.pipe(out);
    for await (const company of companies) {
      if (!csv.write(shown.map((column) => column.read(company)))) await once(csv, 'drain');
      await drained(out);
    }
    csv.end();
    await once(csv, 'end');
    return;
  }
  const Excel = await loadExcel();
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('Companies');
  sheet.addRow(shown.map((column) => column.heading)).commit();
  for await (const company of companies) {
    sheet.addRow(shown.map((column) => column.read(company))).commit();
    await drained(out);
  }
  sheet.commit();
  await workbook.commit();
}
