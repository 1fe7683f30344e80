/**
 * The macOS launchd agent, parsed back from its XML (no plutil here): a minimal reader of the
 * plist subset the generator writes, so a broken escape or structure fails the parse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAUNCHD_LABEL, launchdPlist, plistPath } from '../../main/node/service/launchd-plist.ts';

type Value = string | boolean | Value[] | { [key: string]: Value };

function unescape(text: string): string {
  assert.doesNotMatch(text, /[<>]|&(?!(amp|lt|gt|quot|apos);)/, `unescaped markup in ${text}`);
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Reads one value at `at`; returns it and where it ended. */
function value(xml: string, at: number): [Value, number] {
  const rest = xml.slice(at);
  const lead = rest.length - rest.trimStart().length;
  const s = rest.trimStart();
  let m;
  if ((m = /^<string>([^<]*)<\/string>/.exec(s))) return [unescape(m[1]!), at + lead + m[0].length];
  if ((m = /^<(true|false)\/>/.exec(s))) return [m[1] === 'true', at + lead + m[0].length];
  if (s.startsWith('<array>')) {
    const items: Value[] = [];
    let i = at + lead + '<array>'.length;
    while (!xml.slice(i).trimStart().startsWith('</array>')) [items[items.length], i] = value(xml, i);
    return [items, i + xml.slice(i).indexOf('</array>') + '</array>'.length];
  }
  if (s.startsWith('<dict>')) {
    const dict: Record<string, Value> = {};
    let i = at + lead + '<dict>'.length;
    for (;;) {
      const r = xml.slice(i).trimStart();
      if (r.startsWith('</dict>')) return [dict, i + xml.slice(i).indexOf('</dict>') + '</dict>'.length];
      const k = /^<key>([^<]*)<\/key>/.exec(r);
      assert.ok(k, `expected a key at: ${r.slice(0, 40)}`);
      [dict[unescape(k[1]!)], i] = value(xml, i + (xml.slice(i).length - r.length) + k[0].length);
    }
  }
  assert.fail(`unexpected plist text: ${s.slice(0, 40)}`);
}

function parsePlist(xml: string): Value {
  const m = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE plist [^>]+>\n<plist version="1\.0">\n/.exec(xml);
  assert.ok(m, 'plist header');
  const [root, end] = value(xml, m[0].length);
  assert.equal(xml.slice(end).trim(), '</plist>');
  return root;
}

test('the launchd agent runs this node and script with the options, at load and kept alive, logging to ~/Library/Logs', () => {
  const plist = parsePlist(
    launchdPlist({
      home: '/Users/me',
      node: '/opt/node <24>/node',
      script: '/Apps/Tray & Co/tray-cred.mjs',
      agentArgs: ['--approver', 'osascript -e "display dialog \\"ok?\\""'],
      dataDir: '/Users/me/Library/Application Support/tray-cred',
      socketOverride: undefined,
    }),
  );
  assert.deepEqual(plist, {
    Label: LAUNCHD_LABEL,
    ProgramArguments: [
      '/opt/node <24>/node',
      '/Apps/Tray & Co/tray-cred.mjs',
      'agent',
      '--approver',
      'osascript -e "display dialog \\"ok?\\""',
    ],
    EnvironmentVariables: { TRAY_CRED_HOME: '/Users/me/Library/Application Support/tray-cred' },
    RunAtLoad: true,
    KeepAlive: true,
    ProcessType: 'Background',
    StandardErrorPath: '/Users/me/Library/Logs/tray-cred-agent.log',
  });
  assert.equal(plistPath('/Users/me'), `/Users/me/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`);
});
