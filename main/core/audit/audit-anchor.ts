/**
 * The audit chain's anchor in the keychain, outside the directory that holds the log: the
 * chain's identity (vault id, the first entry's MAC) and the last anchored entry's number and
 * MAC. Someone who can write the data directory but not the keychain can no longer wipe the
 * log, start it again at entry 1, cut it below the anchor or bring back an old head.json
 * unnoticed. Entries after the last anchor are not covered: see SECURITY.md.
 */
import { KeychainError } from '../errors.ts';
import type { Keychain } from '../ports/ports.ts';

export interface AuditAnchor {
  vaultId: string;
  /** The MAC of the chain's first entry. */
  first: string;
  seq: number;
  mac: string;
}

/** Where a vault's anchor is kept. */
export interface AnchorPlace {
  keychain: Keychain;
  vaultId: string;
}

export const auditAnchorAccount = (vaultId: string): string => `audit-anchor:${vaultId}`;

/**
 * The anchored entries interval: one keychain write per `entries` entries or `ms` milliseconds,
 * and under load (issue 16) not more than one per `minMs`: at 15,000 req/s, 100 entries would
 * be 150 keychain writes a second, each a D-Bus round trip and a keyring file rewrite on the
 * same cores. The window this leaves is bounded by time: SECURITY.md.
 */
export const ANCHOR_EVERY = { entries: 100, ms: 60_000, minMs: 1_000 } as const;

/** Events after which the chain is anchored at once: a lock, a stop, a rotation, and what marks tampering. */
export const ANCHOR_AT_ONCE: ReadonlySet<string> = new Set([
  'init',
  'lock',
  'agent-stop',
  'rekey',
  'tamper',
  'rollback',
]);

const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

export async function readAuditAnchor(place: AnchorPlace): Promise<AuditAnchor | null> {
  const account = auditAnchorAccount(place.vaultId);
  const stored = await place.keychain.get(account);
  if (stored === null) return null;
  let a: Partial<AuditAnchor> | undefined;
  try {
    a = JSON.parse(stored) as Partial<AuditAnchor>;
  } catch {
    a = undefined;
  }
  if (
    !a ||
    a.vaultId !== place.vaultId ||
    !isHex(a.first) ||
    !isHex(a.mac) ||
    !Number.isSafeInteger(a.seq) ||
    (a.seq ?? 0) < 1
  ) {
    throw new KeychainError(
      `the keychain entry "${account}" is not an audit anchor: it was changed outside tray-cred; delete it (secret-tool or the Keychain app) and the next audit entry anchors the log anew`,
    );
  }
  return { vaultId: a.vaultId, first: a.first, seq: a.seq!, mac: a.mac };
}

async function writeAuditAnchor(place: AnchorPlace, anchor: Omit<AuditAnchor, 'vaultId'>): Promise<void> {
  await place.keychain.set(auditAnchorAccount(place.vaultId), JSON.stringify({ vaultId: place.vaultId, ...anchor }));
}

/** What the writer needs of the chain: its entries as written, and the first entry's MAC when the batch does not start the log. */
interface Written {
  seq: number;
  mac: string;
  event: string;
}

/**
 * The writer's side of the anchor: on start (and whenever the files changed under it) it tells
 * whether the log still reaches the anchor, and after a batch it moves the anchor on when due:
 * at once after a lock, a stop or a rotation, else once per {@link ANCHOR_EVERY}'s entries or
 * milliseconds, and not within `minMs` of the last try.
 */
export class ChainAnchor {
  private readonly place: AnchorPlace;
  private readonly now: () => number;
  /** `undefined` until read from the keychain; `null` when there is none (or the chain was found restarted). */
  private known: AuditAnchor | null | undefined;
  private triedAt = Number.NEGATIVE_INFINITY;

  constructor(place: AnchorPlace, now: () => number) {
    this.place = place;
    this.now = now;
  }

  /** True until the first anchor write was tried: a process's first entry (a command's only one) waits for its anchor. */
  get untried(): boolean {
    return this.triedAt === Number.NEGATIVE_INFINITY;
  }

  /** A `tamper` reason when the log on disk ends below the anchored entry (wiped, restarted or cut), else `undefined`. */
  async lost(tailSeq: number): Promise<string | undefined> {
    if (this.known === undefined) this.known = await readAuditAnchor(this.place);
    const a = this.known;
    if (!a || tailSeq >= a.seq) return undefined;
    this.known = null; // the next anchor is taken from the log as it now is
    return tailSeq === 0
      ? `the audit log was deleted: the keychain had anchored entry ${a.seq}, so a new chain starts here`
      : `the log ends at entry ${tailSeq} but the keychain had anchored entry ${a.seq}: ${a.seq - tailSeq} or more entries were cut off`;
  }

  /** After a batch is on disk. A keychain that cannot be written leaves the anchor behind until the next try. */
  async written(entries: readonly Written[], firstMac: () => Promise<string | undefined>): Promise<void> {
    const last = entries.at(-1);
    if (!last) return;
    const a = this.known ?? null;
    const since = this.now() - this.triedAt;
    const due =
      since >= ANCHOR_EVERY.ms ||
      entries.some((e) => ANCHOR_AT_ONCE.has(e.event)) ||
      (a !== null && last.seq - a.seq >= ANCHOR_EVERY.entries && since >= ANCHOR_EVERY.minMs);
    if (!due) return;
    this.triedAt = this.now();
    const first = a ? a.first : entries[0]!.seq === 1 ? entries[0]!.mac : await firstMac();
    if (first === undefined) return;
    try {
      await writeAuditAnchor(this.place, { first, seq: last.seq, mac: last.mac });
      this.known = { vaultId: this.place.vaultId, first, seq: last.seq, mac: last.mac };
    } catch {
      // The entries are on disk: a keychain that is away must not fail the access they record.
      // The anchor lags until the next try; SECURITY.md says what that window leaves open.
    }
  }
}
