import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { loadExcel } from '../shared/load-excel';
import type { CompanyDoc } from '../company/company.model';
import type { FileFormat } from '../upload/upload.model';

/** The export's columns: a heading and how to read it from a company. */
const columns: [string, (company: CompanyDoc) => string | number | null][] = [
  ['id', (c) => String(c._id)],
  ['name', (c) => c.name],
  ['website', (c) => c.website ?? null],
  ['industry', (c) => c.industry ?? null],
  ['taxId', (c) => c.taxId ?? null],
  ['phone', (c) => (c.phones.find((p) => p.primary) ?? c.phones[0])?.number ?? null],
  ['email', (c) => (c.emails.find((e) => e.primary) ?? c.emails[0])?.address ?? null],
  ['ownerId', (c) => c.ownerId ?? null],
  ['teamId', (c) => c.teamId ?? null],
  ['territoryId', (c) => c.territoryId ?? null],
  ['source', (c) => c.source ?? null],
  ['tags', (c) => (c.tags ?? []).join('; ')],
  ['abcClass', (c) => c.abcClass ?? null],
  ['potential', (c) => (c.potential ? `${c.potential.amount} ${c.potential.currency}` : null)],
  ['customFields', (c) => (c.customFields && Object.keys(c.customFields).length > 0 ? JSON.stringify(c.customFields) : null)],
  ['createdAt', (c) => (c.createdAt ? new Date(c.createdAt).toISOString() : null)],
];

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
 * number of companies, a page of them is in memory.
 */
export async function writeCompaniesFile(companies: AsyncIterable<CompanyDoc>, format: FileFormat, out: Writable): Promise<void> {
  if (format === 'CSV') {
    const csv = stringify({ header: true, columns: columns.map(([heading]) => heading), bom: true });
    csv.pipe(out);
    for await (const company of companies) {
      if (!csv.write(columns.map(([, read]) => read(company)))) await once(csv, 'drain');
      await drained(out);
    }
    csv.end();
    await once(csv, 'end');
    return;
  }
  const Excel = await loadExcel();
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('Companies');
  sheet.addRow(columns.map(([heading]) => heading)).commit();
  for await (const company of companies) {
    sheet.addRow(columns.map(([, read]) => read(company))).commit();
    await drained(out);
  }
  sheet.commit();
  await workbook.commit();
}
