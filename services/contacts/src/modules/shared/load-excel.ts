import type ExcelJS from 'exceljs';

/**
 * exceljs, loaded on the first XLSX import or export: it adds about 36 MB to a process's RSS
 * once required, which every contacts replica would otherwise carry idle for a rarely used format.
 */
let excel: Promise<typeof ExcelJS> | undefined;
export const loadExcel = (): Promise<typeof ExcelJS> => (excel ??= import('exceljs').then((module) => (module as { default?: typeof ExcelJS }).default ?? (module as unknown as typeof ExcelJS)));
