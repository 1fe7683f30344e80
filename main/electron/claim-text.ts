/**
 * A caller's claims (command line, working directory) are text from any process that can reach
 * the socket. Before they reach a native prompt, a menu or a notification, control characters and
 * bidirectional overrides are shown as escapes, so a claim cannot fake extra lines, buttons'
 * context or a reversed command, and the length is capped so a prompt stays readable.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function claimText(value: string, maxChars = 200): string {
  const chars = Array.from(value);
  const capped = chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : value;
  return capped.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
