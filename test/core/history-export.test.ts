import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCsv, toJson } from '../../main/core/history/history-export.ts';
import type { HistoryRow } from '../../preload/api.ts';

const row = (over: Partial<HistoryRow> = {}): HistoryRow => ({
  seq: 7,
  time: '2026-11-26T09:00:00.000Z',
  event: 'access',
  profile: 'prod',
  decision: 'denied',
  command: 'aws s3 ls',
  cwd: '/home/ann',
  pid: 123,
  ppid: 1,
  durationMs: 40,
  reason: null,
  served: null,
  credentialId: null,
  program: null,
  firstUse: false,
  verified: false,
  claimed: null,
  ...over,
});

/** A small RFC 4180 reader, to check that what toCsv writes reads back as the same cells. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i += 1;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i += 1;
    } else cell += c;
    i += 1;
  }
  assert.equal(cell + record.join(''), '', 'the text ends with CRLF');
  return records;
}

describe('history export', () => {
  it('writes a header and one CRLF-terminated record per row, nulls as empty cells', () => {
    const csv = toCsv([
      row(),
      row({
        seq: 8,
        decision: 'allowed',
        served: 'vault',
        credentialId: 'AKIAIOSFODNN7EXAMPLE',
        reason: 'ok',
        program: '/usr/bin/terraform',
        firstUse: true,
      }),
    ]);
    assert.equal(
      csv,
      'seq,time,event,profile,decision,command,cwd,pid,ppid,durationMs,reason,served,credentialId,program,firstUse,verified,claimed\r\n' +
        '7,2026-11-26T09:00:00.000Z,access,prod,denied,aws s3 ls,/home/ann,123,1,40,,,,,false,false,\r\n' +
        '8,2026-11-26T09:00:00.000Z,access,prod,allowed,aws s3 ls,/home/ann,123,1,40,ok,vault,AKIAIOSFODNN7EXAMPLE,/usr/bin/terraform,true,false,\r\n',
    );
    assert.equal(
      toCsv([]),
      'seq,time,event,profile,decision,command,cwd,pid,ppid,durationMs,reason,served,credentialId,program,firstUse,verified,claimed\r\n',
    );
  });

  const quoting: [string, string, string][] = [
    ['a comma', 'aws s3 cp a,b .', '"aws s3 cp a,b ."'],
    ['quotes', 'echo "hi" there', '"echo ""hi"" there"'],
    ['a semicolon', 'aws s3 ls; rm -rf ~', '"aws s3 ls; rm -rf ~"'],
    ['nothing special', 'aws sts get-caller-identity', 'aws sts get-caller-identity'],
  ];
  for (const [what, command, cell] of quoting) {
    it(`quotes a cell with ${what} per RFC 4180 and reads back the same`, () => {
      const csv = toCsv([row({ command })]);
      assert.ok(csv.includes(`,${cell},`), csv);
      assert.equal(parseCsv(csv)[1]![5], command);
    });
  }

  const formulas: [string, string][] = [
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tcmd', '\\tcmd'],
    ['\rcmd', '\\rcmd'],
    ['aws s3 ls =1', 'aws s3 ls =1'],
  ];
  for (const [command, shown] of formulas) {
    it(`neutralises a cell starting with ${JSON.stringify(command[0])} so a spreadsheet shows it as text (a tab or CR is escaped first)`, () => {
      const records = parseCsv(toCsv([row({ command, cwd: command, reason: command })]));
      assert.deepEqual([records[1]![5], records[1]![6], records[1]![10]], [shown, shown, shown]);
    });
  }

  const hostile = 'ls \u202Eexe.xl \u001b[2J\nCommand: other';
  const escaped = 'ls \\u202eexe.xl \\x1b[2J\\nCommand: other';
  // eslint-disable-next-line no-control-regex -- asserting that none reach the file
  const RAW = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

  it('CSV shows a right-to-left override, an ESC sequence and a newline in a claim as escapes, and cuts a long one', () => {
    const csv = toCsv([row({ command: hostile, cwd: 'x'.repeat(5000), reason: 'said\u202Eon' })]);
    assert.doesNotMatch(csv, RAW);
    const [, record] = parseCsv(csv);
    assert.equal(record![5], escaped);
    assert.match(record![6]!, /^x{2000}…\(3000 more\)$/);
    assert.equal(record![10], 'said\\u202eon');
    assert.equal(parseCsv(csv).length, 2, 'one record per row: the newline did not start another');
  });

  it("JSON shows the same escapes (not only JSON's own, which read back as the raw characters)", () => {
    const json = toJson([row({ command: hostile, cwd: '/tmp/\u2066x', reason: null })]);
    assert.doesNotMatch(json, RAW);
    assert.doesNotMatch(json, /(?<!\\)\\u(001b|202e)/i, 'no JSON escape that parses back to the control character');
    const [parsed] = JSON.parse(json) as HistoryRow[];
    assert.equal(parsed!.command, escaped);
    assert.equal(parsed!.cwd, '/tmp/\\u2066x');
  });

  it('JSON holds exactly the rows, and reads back equal', () => {
    const rows = [
      row(),
      row({
        seq: 9,
        event: 'unlock',
        profile: null,
        decision: null,
        command: '=1+1',
        cwd: null,
        pid: null,
        ppid: null,
        durationMs: null,
      }),
    ];
    const json = toJson(rows);
    assert.deepEqual(JSON.parse(json), rows);
    const extra = {
      ...row(),
      mac: 'f'.repeat(64),
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    } as HistoryRow;
    assert.deepEqual(JSON.parse(toJson([extra])), [row()], 'fields outside HistoryRow are not exported');
    assert.doesNotMatch(toCsv([extra]), /EXAMPLEKEY|ffff/);
  });
});
