/**
 * Coding sheets (.xlsx) through exceljs.
 *
 * `readSheet` returns a table: the header is the first non-empty row (or,
 * with `headerIncludes`, the first row that contains all those names — the
 * SAMM release has title rows above its header), header names trimmed; cell
 * values unwrapped (rich text → its text, formulas → their cached result,
 * hyperlinks → their text, dates → ISO date string, errors → null; strings
 * trimmed, empty strings → null). Fully empty rows are left out; `rowNumbers`
 * gives each row's 1-based sheet row, for error messages.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import type ExcelJS from 'exceljs';
import { MerError } from '../core/errors.ts';

/** exceljs (≈ 170 packages), loaded with the first sheet read or written, not with this module */
async function excel(): Promise<typeof ExcelJS> {
  const m = (await import('exceljs')) as unknown as { default?: typeof ExcelJS } & typeof ExcelJS;
  return m.default ?? m;
}

export type CellValue = string | number | null;

export interface SheetTable {
  header: string[];
  rows: Array<Record<string, CellValue>>;
  /** 1-based sheet row of each entry of rows */
  rowNumbers: number[];
  /** name of the worksheet that was read */
  sheetName?: string;
  /** 1-based sheet row of the header */
  headerRow?: number;
}

export interface ReadSheetOptions {
  /** worksheet name or 0-based index; default: the first worksheet with any content */
  sheet?: string | number;
  /** the header is the first row containing all of these names (compared by normaliseColumn) */
  headerIncludes?: readonly string[];
  /** columns that must exist (compared by normaliseColumn); missing → MerError BAD_INPUT */
  required?: readonly string[];
}

/** Column-name key: lower case, letters and digits only ('Onset Frame' ≡ 'OnsetFrame' ≡ 'onset_frame'). */
export function normaliseColumn(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The header name matching any of the aliases (by normaliseColumn), or undefined. */
export function findColumn(header: readonly string[], ...aliases: string[]): string | undefined {
  const keys = aliases.map(normaliseColumn);
  for (const k of keys) {
    const hit = header.find((h) => normaliseColumn(h) === k);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** Unwrap one exceljs cell value into a string, number or null. */
export function unwrapCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? null : t;
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return unwrapCell((o.richText as { text?: string }[]).map((r) => r.text ?? '').join(''));
    if ('result' in o || 'formula' in o || 'sharedFormula' in o) return unwrapCell(o.result);
    if ('text' in o) return unwrapCell(o.text);
    if ('error' in o) return null;
  }
  return unwrapCell(String(v));
}

async function loadWorkbook(path: string): Promise<ExcelJS.Workbook> {
  if (!existsSync(path)) throw new MerError('NOT_FOUND', 'coding sheet not found', { file: path, expected: 'an .xlsx file' });
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.readFile(path);
  } catch (e) {
    throw new MerError('BAD_INPUT', `cannot read as .xlsx: ${(e as Error).message}`, { file: path, cause: e });
  }
  return wb;
}

/** Read one worksheet of an .xlsx file as a header + rows table. */
export async function readSheet(path: string, opts: ReadSheetOptions = {}): Promise<SheetTable> {
  const wb = await loadWorkbook(path);
  let ws: ExcelJS.Worksheet | undefined;
  if (opts.sheet !== undefined) {
    ws = typeof opts.sheet === 'number' ? wb.worksheets[opts.sheet] : wb.getWorksheet(opts.sheet);
    if (!ws) {
      throw new MerError('NOT_FOUND', `no worksheet ${JSON.stringify(opts.sheet)}`, {
        file: path,
        expected: `one of ${wb.worksheets.map((w) => JSON.stringify(w.name)).join(', ')}`,
      });
    }
  } else {
    ws = wb.worksheets.find((w) => w.actualRowCount > 0) ?? wb.worksheets[0];
    if (!ws) throw new MerError('BAD_INPUT', 'workbook has no worksheet', { file: path });
  }
  const sheetLabel = `${basename(path)} [${ws.name}]`;

  // collect non-empty rows as arrays of unwrapped values (index 0 = column A)
  const raw: { n: number; cells: CellValue[] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const vals = row.values as unknown[];
    const cells: CellValue[] = [];
    for (let c = 1; c < vals.length; c++) cells.push(unwrapCell(vals[c]));
    if (cells.some((x) => x !== null)) raw.push({ n, cells });
  });
  if (raw.length === 0) throw new MerError('BAD_INPUT', `worksheet ${sheetLabel} is empty`, { file: path, expected: 'a header row' });

  let h = 0;
  if (opts.headerIncludes && opts.headerIncludes.length > 0) {
    const want = opts.headerIncludes.map(normaliseColumn);
    h = raw.findIndex((r) => {
      const have = new Set(r.cells.map((c) => (c === null ? '' : normaliseColumn(String(c)))));
      return want.every((w) => have.has(w));
    });
    if (h < 0) {
      throw new MerError('BAD_INPUT', `worksheet ${sheetLabel} has no header row with columns ${opts.headerIncludes.join(', ')}`, {
        file: path,
        expected: `a row naming ${opts.headerIncludes.join(', ')}`,
      });
    }
  }
  const headerCells = raw[h].cells;
  const header: string[] = [];
  const colIndex: number[] = [];
  headerCells.forEach((c, i) => {
    if (c === null) return;
    header.push(String(c).trim());
    colIndex.push(i);
  });

  if (opts.required) {
    const missing = opts.required.filter((r) => findColumn(header, r) === undefined);
    if (missing.length > 0) {
      throw new MerError('BAD_INPUT', `worksheet ${sheetLabel} lacks column(s) ${missing.join(', ')}; it has: ${header.join(', ')}`, {
        file: path,
        row: raw[h].n,
        expected: `columns ${opts.required.join(', ')}`,
      });
    }
  }

  const rows: Array<Record<string, CellValue>> = [];
  const rowNumbers: number[] = [];
  for (let r = h + 1; r < raw.length; r++) {
    const rec: Record<string, CellValue> = {};
    let any = false;
    header.forEach((name, j) => {
      const v = raw[r].cells[colIndex[j]] ?? null;
      if (v !== null) any = true;
      rec[name] = v;
    });
    if (!any) continue;
    rows.push(rec);
    rowNumbers.push(raw[r].n);
  }
  return { header, rows, rowNumbers, sheetName: ws.name, headerRow: raw[h].n };
}

/** distinguishes concurrent writes from one process */
/**
 * Write a one-sheet .xlsx (header row + rows), atomically: the workbook is
 * written to a temporary file beside `path` and renamed over it.
 * Rows are records keyed by header name, or arrays in header order.
 */
export async function writeSheet(
  path: string,
  header: readonly string[],
  rows: ReadonlyArray<Readonly<Record<string, CellValue | undefined>> | readonly (CellValue | undefined)[]>,
  opts: { sheetName?: string } = {},
): Promise<void> {
  const wb = new (await excel()).Workbook();
  const ws = wb.addWorksheet(opts.sheetName ?? 'Sheet1');
  ws.addRow([...header]);
  for (const r of rows) {
    const arr = Array.isArray(r) ? (r as readonly (CellValue | undefined)[]) : header.map((h) => (r as Record<string, CellValue | undefined>)[h]);
    ws.addRow(arr.map((v) => (v === undefined ? null : v)));
  }
  await writeFileAtomic(path, new Uint8Array(await wb.xlsx.writeBuffer()));
}
