/**
 * The one escaper every display uses for text it did not write: a caller's claims (command line,
 * working directory), profile names and reasons read back from the audit log. The native prompt,
 * notifications, the tray menu, `tray-cred audit`, the History window and its CSV/JSON exports all
 * show such text through {@link displayText}, so they show the same characters the same way.
 *
 * Shown as escapes, never passed through:
 * - control characters: C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), as `\xNN` (`\n`, `\r`, `\t`
 *   by name), so a claim cannot move the cursor, recolour a terminal or fake a second line;
 * - every Unicode format character (category Cf): the bidi controls U+061C, U+200E, U+200F,
 *   U+202A–U+202E and U+2066–U+2069, which can make `lx.exe` read as another command, and the
 *   invisible ones (zero-width space, joiners, word joiner, soft hyphen, BOM, tag characters, ...)
 *   that can make two different commands look alike;
 * - the line and paragraph separators U+2028 and U+2029, which break lines like `\n`;
 * - spaces other than U+0020 (no-break, en, em, thin, ideographic, ...), blank-looking Hangul
 *   fillers, the combining grapheme joiner and variation selectors: each looks like nothing or
 *   like a plain space. (Emoji that use a joiner or a variation selector show it as an escape:
 *   a command line has no need of them, and a reader has need of seeing every character.)
 * - lone surrogate halves, which render as nothing or as a replacement box.
 * Above U+00FF escapes read `\uNNNN` (`\u{NNNNN}` beyond the BMP).
 *
 * A backslash is left as it is: Windows paths stay readable, and text that already looks like an
 * escape (`\x1b` typed by the caller) is shown as typed. The display is for reading, not for
 * reversing: the audit log (`tray-cred audit --json`) keeps the exact text.
 *
 * Length: at most `maxChars` characters of escaped text (code points, not UTF-16 units; an escape
 * is never split), then the marker `…(N more)` naming how many of the original characters were cut.
 * This file imports nothing.
 */

/** The longest text shown of one value where a display sets no shorter limit (code points). */
export const DISPLAY_MAX_CHARS = 2000;

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u3164\uffa0]/u;
/** The combining grapheme joiner and the variation selectors: marks that show nothing. */
const INVISIBLE_MARK = (code: number): boolean =>
  code === 0x34f || (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef);
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** How one character is shown: itself, or its escape when it is one of the unsafe ones. */
function shown(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (!UNSAFE.test(ch) && !INVISIBLE_MARK(code)) return ch;
  const named = NAMED[ch];
  if (named) return named;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

/**
 * `value` as a display may show it: unsafe characters escaped and the result cut after
 * `maxChars` characters with a `…(N more)` marker. Ordinary text comes back unchanged.
 */
export function displayText(value: string, maxChars: number = DISPLAY_MAX_CHARS): string {
  const chars = Array.from(value);
  let out = '';
  let length = 0;
  for (let i = 0; i < chars.length; i++) {
    const piece = shown(chars[i]!);
    const pieceLength = Array.from(piece).length;
    if (length + pieceLength > maxChars) return `${out}…(${chars.length - i} more)`;
    out += piece;
    length += pieceLength;
  }
  return out;
}
