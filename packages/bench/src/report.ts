// One shape for every figure the bench prints: sections of rows, and goals that compare two
// figures measured in the same run. Printed as tables and written as JSON under .local/bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type Cell = string | number | null;

export interface Goal {
  /** What is compared, e.g. "key lookup at 100k: ours vs stock FerretDB/SQLite". */
  name: string;
  /** The measured figure (a ratio, or a value with its unit in `unit`). */
  measured: number;
  /** The goal, e.g. ">= 20" for a ratio, "<= 100" for a latency. */
  target: string;
  unit?: string;
  met: boolean;
}

export interface Section {
  title: string;
  /** Column order of `rows`; every row has these keys. */
  columns: string[];
  rows: Record<string, Cell>[];
  goals?: Goal[];
  notes?: string[];
}

export const atLeast = (name: string, measured: number, min: number, unit = '×'): Goal => ({
  name,
  measured,
  target: `>= ${min}`,
  unit,
  met: measured >= min,
});

export const atMost = (name: string, measured: number, max: number, unit = ''): Goal => ({
  name,
  measured,
  target: `<= ${max}`,
  unit,
  met: measured <= max,
});

/** Latency summary of a list of milliseconds. */
export function percentiles(ms: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
  return { p50: at(50), p95: at(95), p99: at(99) };
}

const show = (cell: Cell) => (cell === null ? '-' : typeof cell === 'number' ? (Number.isInteger(cell) ? String(cell) : cell.toFixed(cell < 10 ? 2 : 1)) : cell);

export function printSection(section: Section): void {
  const widths = section.columns.map((column) => Math.max(column.length, ...section.rows.map((row) => show(row[column] ?? null).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n## ${section.title}\n`);
  console.log(line(section.columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of section.rows) console.log(line(section.columns.map((column) => show(row[column] ?? null))));
  for (const goal of section.goals ?? []) {
    console.log(`- ${goal.met ? 'MET    ' : 'NOT MET'} ${goal.name}: ${show(goal.measured)}${goal.unit ?? ''} (goal ${goal.target}${goal.unit ?? ''})`);
  }
  for (const note of section.notes ?? []) console.log(`- ${note}`);
}

/** Writes every section to .local/bench/<time>.json and .local/bench/latest.json; returns the path. */
export function writeReport(sections: Section[]): string {
  const dir = resolve(__dirname, '../../../.local/bench');
  mkdirSync(dir, { recursive: true });
  const report = { at: new Date().toISOString(), node: process.version, cpus: require('node:os').cpus().length, sections };
  const file = join(dir, `${report.at.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}
