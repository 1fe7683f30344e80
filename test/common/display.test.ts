import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISPLAY_MAX_CHARS, displayText } from '../../common/display.ts';

describe('displayText', () => {
  const table: [string, string, string][] = [
    ['ordinary text, untouched', 'aws s3 ls s3://bucket --profile prod', 'aws s3 ls s3://bucket --profile prod'],
    [
      'non-Latin letters and emoji without joiners, untouched',
      'café ünïcode 日本語 حساب 🙂',
      'café ünïcode 日本語 حساب 🙂',
    ],
    ['a Windows path, backslashes as they are', 'C:\\Users\\ann\\aws.exe', 'C:\\Users\\ann\\aws.exe'],
    ['text that already looks escaped, shown as typed', 'echo \\x1b[31m \\u202e \\n', 'echo \\x1b[31m \\u202e \\n'],
    ['an ESC sequence (C0)', 'aws\u001b[2J\u001b]0;title\u0007', 'aws\\x1b[2J\\x1b]0;title\\x07'],
    ['NUL, DEL and C1 (CSI)', 'a\u0000b\u007fc\u009bd\u0085e', 'a\\x00b\\x7fc\\x9bd\\x85e'],
    ['newline, carriage return and tab by name', 'one\ntwo\rthree\tfour', 'one\\ntwo\\rthree\\tfour'],
    ['a right-to-left override that would make lx.exe read as exe.xl', 'ls \u202Eexe.xl', 'ls \\u202eexe.xl'],
    [
      'every bidi control',
      '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c',
      '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c',
    ],
    [
      'zero-width space, joiners, word joiner, BOM, soft hyphen',
      'r\u200bm\u200c\u200d\u2060\ufeff\u00ad',
      'r\\u200bm\\u200c\\u200d\\u2060\\ufeff\\xad',
    ],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['look-alike spaces and blank letters', 'a\u00a0b\u2009c\u3000d\u3164e', 'a\\xa0b\\u2009c\\u3000d\\u3164e'],
    ['variation selectors and the grapheme joiner', 'l\ufe0fs\u034f', 'l\\ufe0fs\\u034f'],
    ['tag characters beyond the BMP', 'ls\u{e0041}\u{e007f}', 'ls\\u{e0041}\\u{e007f}'],
    ['a lone surrogate half', 'a\ud800b', 'a\\ud800b'],
  ];
  for (const [what, input, want] of table) {
    it(`shows ${what}`, () => assert.equal(displayText(input), want));
  }

  it('cuts a long string after the limit with a marker that says how much is missing', () => {
    const long = 'x'.repeat(DISPLAY_MAX_CHARS + 500);
    assert.equal(displayText(long), `${'x'.repeat(DISPLAY_MAX_CHARS)}…(500 more)`);
    assert.equal(displayText('abcdefgh', 5), 'abcde…(3 more)');
    assert.equal(displayText('abcde', 5), 'abcde', 'text at the limit is not cut');
  });

  it('counts characters, never splits an escape or a surrogate pair, and bounds escaped output', () => {
    assert.equal(displayText('ab\u001bcd', 4), 'ab…(3 more)', 'an escape that does not fit is left out whole');
    assert.equal(displayText('🙂🙂🙂', 2), '🙂🙂…(1 more)');
    const escapes = displayText('\u202e'.repeat(5000), 60);
    assert.equal(escapes, `${'\\u202e'.repeat(10)}…(4990 more)`);
  });
});
