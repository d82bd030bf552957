/**
 * CSV reading and writing (RFC 4180).
 *
 * - fields separated by ',', records by CRLF or LF (a lone CR also ends a record);
 * - a field may be quoted with '"'; inside quotes, '""' is one quote and
 *   commas/newlines are literal;
 * - a leading UTF-8 byte-order mark is ignored;
 * - blank lines (no characters at all) are skipped.
 *
 * Errors are MerError BAD_INPUT naming the file and the 1-based line.
 */
import { readFile } from 'node:fs/promises';
import { MerError } from '../core/errors.ts';

/** A parsed record and the 1-based file line it starts on. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
}

const BOM = '\ufeff';

/** Parse CSV text into records with their starting line numbers. */
export function parseCsvLines(text: string, file?: string): CsvRecord[] {
  const s = text.startsWith(BOM) ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  // true once the current record has any content (a field separator or a character)
  let started = false;
  // true right after a closing quote: only ',' or a newline may follow
  let afterQuote = false;
  const endRecord = () => {
    if (started) {
      fields.push(field);
      out.push({ fields, line: recordLine });
    }
    fields = [];
    field = '';
    started = false;
    afterQuote = false;
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inQuotes) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          afterQuote = true;
        }
      } else {
        if (ch === '\n' || (ch === '\r' && s[i + 1] !== '\n')) line++;
        field += ch;
      }
      continue;
    }
    if (ch === ',') {
      if (!started) recordLine = line;
      started = true;
      fields.push(field);
      field = '';
      afterQuote = false;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else if (afterQuote) {
      throw new MerError('BAD_INPUT', `unexpected character ${JSON.stringify(ch)} after a closing quote`, {
        file,
        row: line,
        expected: 'a comma or the end of the line after a quoted field',
      });
    } else if (ch === '"' && field === '') {
      if (!started) recordLine = line;
      started = true;
      inQuotes = true;
      quoteLine = line;
    } else {
      if (!started) recordLine = line;
      started = true;
      field += ch;
    }
  }
  if (inQuotes) {
    throw new MerError('BAD_INPUT', 'a quoted field is never closed', { file, row: quoteLine, expected: 'a closing "' });
  }
  endRecord();
  return out;
}

/** Parse CSV text into rows of fields (RFC 4180: quotes, escaped quotes, CRLF, BOM). */
export function parseCsv(text: string, file?: string): string[][] {
  return parseCsvLines(text, file).map((r) => r.fields);
}

export interface CsvTable {
  /** header names, trimmed */
  header: string[];
  /** one record per data row, keyed by header name (values as written, untrimmed) */
  rows: Record<string, string>[];
  /** the 1-based file line each row starts on (parallel to rows) */
  lines: number[];
}

/**
 * Read a CSV file whose first record is the header. A row with a different
 * number of fields than the header is a MerError naming the file line.
 */
export async function readCsvRecords(path: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MerError('NOT_FOUND', `cannot read CSV file: ${(e as Error).message}`, { file: path, cause: e });
  }
  const recs = parseCsvLines(text, path);
  if (recs.length === 0) throw new MerError('BAD_INPUT', 'CSV file is empty', { file: path, expected: 'a header row' });
  const header = recs[0].fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new MerError('BAD_INPUT', `duplicate column "${h}" in the header`, { file: path, row: recs[0].line });
    seen.add(h);
  }
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  for (let r = 1; r < recs.length; r++) {
    const { fields, line } = recs[r];
    if (fields.length !== header.length) {
      throw new MerError('BAD_INPUT', `row has ${fields.length} fields, the header has ${header.length}`, {
        file: path,
        row: line,
        expected: `${header.length} comma-separated fields`,
      });
    }
    const rec: Record<string, string> = {};
    for (let c = 0; c < header.length; c++) rec[header[c]] = fields[c];
    rows.push(rec);
    lines.push(line);
  }
  return { header, rows, lines };
}

function quoteField(v: string | number): string {
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Format rows as CSV (CRLF line ends per RFC 4180, trailing CRLF; quotes where needed). */
export function formatCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((r) => r.map(quoteField).join(',') + '\r\n').join('');
}
