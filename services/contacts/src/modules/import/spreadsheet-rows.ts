import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { loadExcel } from '../shared/load-excel';
import type { FileFormat } from '../upload/upload.model';

/** One row of a spreadsheet: its number as the spreadsheet shows it (the headings are row 1) and its cells as text. */
export interface SheetRow {
  row: number;
  cells: string[];
}

/** Longest cell kept (a longer one is cut by the field's own limit later): bounds a CSV record's memory. */
const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * The rows of a CSV or of an XLSX file's first worksheet, streamed: csv-parse reads `,`, `;` or
 * tab separated files (with or without a BOM); exceljs's streaming reader reads XLSX without
 * loading the workbook (only its shared strings table is held, as the format requires).
 */
export function sheetRows(source: Readable, format: FileFormat): AsyncGenerator<SheetRow> {
  return format === 'XLSX' ? xlsxRows(source) : csvRows(source);
}

async function* csvRows(source: Readable): AsyncGenerator<SheetRow> {
  const parser = source.pipe(
    parse({ bom: true, delimiter: [',', ';', '\t'], relax_column_count: true, relax_quotes: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES, info: true }),
  );
  source.once('error', (error) => parser.destroy(error));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
      yield { row: info.records, cells: record };
    }
  } finally {
    source.destroy();
  }
}

/** A cell's value as the text a person sees: rich text joined, a link's text, a formula's result, a date as ISO. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, '');
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue);
  if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
  return '';
}

async function* xlsxRows(source: Readable): AsyncGenerator<SheetRow> {
  const Excel = await loadExcel();
  const workbook = new Excel.stream.xlsx.WorkbookReader(source, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit', entries: 'emit' });
  try {
    for await (const worksheet of workbook) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        // row.values is 1-based and sparse: index 0 is empty.
        const values = row.values as ExcelJS.CellValue[];
        const cells = Array.from({ length: Math.max(0, values.length - 1) }, (_, i) => cellText(values[i + 1]));
        if (cells.some((cell) => cell.trim() !== '')) yield { row: row.number, cells };
      }
      return; // the first worksheet only
    }
  } finally {
    source.destroy();
  }
}
