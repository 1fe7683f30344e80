import { displayText } from '../../../common/display.ts';
import type { HistoryRow } from '../../../common/history.ts';

/** The exported columns, in order: exactly the fields of a HistoryRow, nothing more. */
const EXPORT_COLUMNS: readonly (keyof HistoryRow)[] = [
  'seq',
  'time',
  'event',
  'profile',
  'decision',
  'command',
  'cwd',
  'pid',
  'ppid',
  'durationMs',
  'reason',
  'served',
  'credentialId',
  'program',
  'firstUse',
  'verified',
  'claimed',
];

/** Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A field as the exports show it: text through the one escaper every display uses, numbers and nulls as they are. */
function shown(value: string | number | boolean | null | undefined): string | number | boolean | null {
  return typeof value === 'string' ? displayText(value) : (value ?? null);
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(shown(value));
  // A caller's command line is the caller's claim: `=HYPERLINK(...)` must stay text when opened.
  if (FORMULA_START.test(text)) text = `'${text}`;
  // `;` too: spreadsheets in locales whose decimal mark is a comma split on it.
  return /[",;\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The rows as CSV (RFC 4180: CRLF line ends, a header line, quotes doubled inside quoted fields).
 * Text is escaped by common/display.ts, so a cell holds no control, bidi or invisible character.
 */
export function toCsv(rows: readonly HistoryRow[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(EXPORT_COLUMNS.map((c) => cell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The rows as a JSON array, each with exactly the HistoryRow fields, text escaped as in every display. */
export function toJson(rows: readonly HistoryRow[]): string {
  const picked = rows.map((row) => Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, shown(row[c])])));
  return `${JSON.stringify(picked, null, 2)}\n`;
}
