import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { KeyMismatchError, VaultFileError } from '../errors.ts';
import { hkdf32, secretBuffer } from './key-bytes.ts';
import { profileRecordSchema, type ProfileRecord } from '../profiles/profile.ts';

/**
 * The vault file: a small JSON header and one AES-256-GCM ciphertext holding every profile.
 * Profile names, counts and sizes are inside the ciphertext, padded to 4 KiB steps, so the
 * file can sit in a public dotfiles repo and say nothing but "a tray-cred vault".
 */
const VAULT_FORMAT = 'tray-cred-vault';
const VAULT_VERSION = 1;
const PAD = 4096;

/** The decrypted contents. */
export interface VaultData {
  profiles: Record<string, ProfileRecord>;
  /** Bumped by every write and anchored in the keychain (vault-generation.ts); absent (0) in vaults made before it. */
  generation?: number;
}

const headerSchema = z.object({
  format: z.literal(VAULT_FORMAT),
  version: z.literal(VAULT_VERSION),
  vaultId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  cipher: z.literal('aes-256-gcm'),
  nonce: z.base64(),
  data: z.base64(),
});
export type VaultHeader = Omit<z.infer<typeof headerSchema>, 'nonce' | 'data'>;

/**
 * The profiles, each checked on its own, in an object without a prototype: a lookup of
 * `constructor` or `toString` finds only a profile of that name, never Object.prototype's.
 * (zod's record would also drop a `__proto__` key.) A bad profile is named with its field.
 */
function readProfiles(payload: unknown): Record<string, ProfileRecord> {
  const raw =
    typeof payload === 'object' && payload !== null ? (payload as { profiles?: unknown }).profiles : undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new VaultFileError('the vault decrypted but holds no profiles object: restore vault.json from your backup');
  }
  const profiles = Object.create(null) as Record<string, ProfileRecord>;
  for (const [name, value] of Object.entries(raw)) {
    const parsed = profileRecordSchema.safeParse(value);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.map(String).join('.') || '(the record)';
      throw new VaultFileError(
        `the vault decrypted but profile ${JSON.stringify(name)} has an invalid ${field}: restore vault.json from your backup`,
      );
    }
    profiles[name] = parsed.data;
  }
  return profiles;
}

// hkdf32 rather than hkdfSync: hkdfSync keeps a copy of the master key in a KeyObject until it is collected.
function subkey(masterKey: Buffer, label: string, length: number): Buffer {
  return hkdf32(masterKey, `tray-cred ${label}`, length);
}

/** The key the vault's contents are encrypted with (the caller zeroes it): derived here only, so every use derives the same. */
const vaultSubkey = (masterKey: Buffer): Buffer => subkey(masterKey, 'vault v1', 32);

/** A short, one-way fingerprint of the master key, so "wrong key" and "file edited" are told apart. */
export function keyIdOf(masterKey: Buffer): string {
  return subkey(masterKey, 'key id v1', 8).toString('hex');
}

/**
 * The key the vault's contents are encrypted with, derived from the master key, in a buffer of
 * its own (key-bytes.ts) that the caller zeroes: the agent derives it once per unlock and holds
 * it exactly as it holds the master key (wiped on lock), instead of deriving it per request.
 */
export function vaultKeyOf(masterKey: Buffer): Buffer {
  const derived = vaultSubkey(masterKey);
  const key = secretBuffer(32);
  derived.copy(key);
  derived.fill(0);
  return key;
}

function aad(h: VaultHeader): Buffer {
  return Buffer.from(`${h.format}|${h.version}|${h.vaultId}|${h.keyId}|${h.cipher}`);
}

/** Reads only the header: enough to find the vault's key in the keychain. */
export function readHeader(file: Buffer): VaultHeader & { nonce: string; data: string } {
  let json: unknown;
  try {
    json = JSON.parse(file.toString('utf8'));
  } catch {
    throw new VaultFileError(
      'the vault file is not JSON: it is damaged; restore vault.json from your backup (dotfiles repo)',
    );
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.map(String).join('.') || 'the whole file';
    throw new VaultFileError(
      `the vault file is not a tray-cred vault of a version this build reads (${field} is not valid): restore vault.json from your backup, or update tray-cred`,
    );
  }
  return parsed.data;
}

export function encryptVault(masterKey: Buffer, vaultId: string, nonce: Buffer, data: VaultData): string {
  const header: VaultHeader = {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    vaultId,
    keyId: keyIdOf(masterKey),
    cipher: 'aes-256-gcm',
  };
  const json = JSON.stringify(data);
  const padded = json + ' '.repeat(PAD - (Buffer.byteLength(json) % PAD));
  const key = vaultSubkey(masterKey);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  key.fill(0);
  cipher.setAAD(aad(header));
  const body = Buffer.concat([cipher.update(padded, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${JSON.stringify({ ...header, nonce: nonce.toString('base64'), data: body.toString('base64') }, null, 2)}\n`;
}

export function decryptVault(masterKey: Buffer, file: Buffer): VaultData {
  const h = readHeader(file);
  const expected = Buffer.from(keyIdOf(masterKey), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(h.keyId, 'hex'))) {
    throw new KeyMismatchError(
      'the vault was encrypted with a different master key than the one in this keychain: import the recovery kit made for this vault (`tray-cred recovery import`), or use the vault that belongs to this keychain',
    );
  }
  const key = vaultSubkey(masterKey);
  let payload: unknown;
  try {
    payload = decryptPayload(key, h);
  } finally {
    key.fill(0);
  }
  return { profiles: readProfiles(payload), generation: readGeneration(payload) };
}

/**
 * The profiles of a file this process already opened with {@link decryptVault} (the agent's
 * per-request read of the file it holds): the same authenticated bytes, so the header and every
 * profile are not validated again, which for 1,000 profiles is most of the cost. `vaultKey` is
 * {@link vaultKeyOf} the master key.
 */
export function reopenVault(vaultKey: Buffer, file: Buffer): Record<string, ProfileRecord> {
  const h = JSON.parse(file.toString('utf8')) as VaultHeader & { nonce: string; data: string };
  const raw = (decryptPayload(vaultKey, h) as { profiles: Record<string, ProfileRecord> }).profiles;
  const profiles = Object.create(null) as Record<string, ProfileRecord>;
  for (const [name, value] of Object.entries(raw)) profiles[name] = value;
  return profiles;
}

/** The payload, with the vault key (not the master key). */
function decryptPayload(key: Buffer, h: VaultHeader & { nonce: string; data: string }): unknown {
  const body = Buffer.from(h.data, 'base64');
  const nonce = Buffer.from(h.nonce, 'base64');
  if (body.length < 17 || nonce.length !== 12)
    throw new VaultFileError('the vault file is truncated: restore vault.json from your backup');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad(h));
  decipher.setAuthTag(body.subarray(body.length - 16));
  // The plaintext is zeroed once parsed; the strings JSON.parse made from it cannot be (docs/lock-wipe.md says what that leaves).
  const plain = decipher.update(body.subarray(0, body.length - 16));
  let payload: unknown;
  try {
    decipher.final();
    payload = JSON.parse(plain.toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new VaultFileError(
        'the vault decrypted but its contents are not JSON: restore vault.json from your backup',
      );
    throw new VaultFileError(
      'the vault file was modified or damaged (its authentication tag does not match): restore vault.json from your backup',
    );
  } finally {
    plain.fill(0);
  }
  return payload;
}

function readGeneration(payload: unknown): number {
  const raw = (payload as { generation?: unknown }).generation;
  if (raw === undefined) return 0;
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0)
    throw new VaultFileError(
      'the vault decrypted but its generation is not a whole number: restore vault.json from your backup',
    );
  return raw;
}
