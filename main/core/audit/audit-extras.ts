/**
 * The verified requester's executable of an access entry read as unchecked JSON (the agent's
 * quick scan of its log in programs-seen.ts, before a line's MAC is checked), or of a parsed
 * record. Parsed records need no more than this: the codec (audit-fields.ts) already refuses a
 * line whose `verified` or `approval` field is not of the shape the agent writes.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Only the verified requester's executable: what the history index keeps per row; `undefined` when there is none. */
export function verifiedExe(record: object): string | undefined {
  const v = (record as Json).verified;
  if (!isObject(v) || !isObject(v.requester)) return undefined;
  const exe = v.requester.exe;
  return typeof exe === 'string' && exe !== '' ? exe : undefined;
}
