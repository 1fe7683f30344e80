import { createCipheriv, createDecipheriv, scrypt } from 'node:crypto';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as z from 'zod/mini';
import { UsageError } from '../errors.ts';

/**
 * A recovery kit: the vault's master key and audit key, wrapped under a passphrase with scrypt
 * (N = 2^17, r = 8, p = 1: 128 MiB and about half a second per guess here) and AES-256-GCM.
 * The kit alone reveals nothing without the passphrase; the vault alone nothing without the key.
 */
const KIT_FORMAT = 'tray-cred-recovery-kit';
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

export interface VaultKeys {
  vaultId: string;
  masterKey: Buffer;
  auditKey: Buffer;
}

const kitSchema = z.object({
  format: z.literal(KIT_FORMAT),
  version: z.literal(1),
  vaultId: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  // Bounded to what sealKit writes: a kit asking for more (N = 2^22, r = 32 would take 16 GiB) is not one of ours.
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.int().check(z.gte(2 ** 14), z.lte(SCRYPT.N)),
    r: z.int().check(z.gte(1), z.lte(SCRYPT.r)),
    p: z.int().check(z.gte(1), z.lte(SCRYPT.p)),
    salt: z.base64(),
  }),
  cipher: z.literal('aes-256-gcm'),
  nonce: z.base64(),
  data: z.base64(),
});

const keysSchema = z.object({ masterKey: z.base64(), auditKey: z.base64() });

function derive(passphrase: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...p, maxmem: 256 * p.N * p.r + 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const aad = (vaultId: string, kdf: object): Buffer => Buffer.from(`${KIT_FORMAT}|1|${vaultId}|${JSON.stringify(kdf)}`);

let strength: ZxcvbnFactory | undefined;

/**
 * Refuses a passphrase an attacker with the kit could guess; the message says what would be better.
 * The dictionaries load on first use: evaluating them cost every `tray-cred` command ~280 ms.
 */
export async function checkPassphrase(passphrase: string, context: string[] = []): Promise<void> {
  if (passphrase.length < 12)
    throw new UsageError('the passphrase is shorter than 12 characters: use four or more unrelated words');
  if (!strength) {
    const [{ ZxcvbnFactory }, { adjacencyGraphs, dictionary: common }, { dictionary: english, translations }] =
      await Promise.all([
        import('@zxcvbn-ts/core'),
        import('@zxcvbn-ts/language-common'),
        import('@zxcvbn-ts/language-en'),
      ]);
    strength = new ZxcvbnFactory({ dictionary: { ...common, ...english }, graphs: adjacencyGraphs, translations });
  }
  const result = strength.check(passphrase, ['tray-cred', 'aws', 'amazon', ...context]);
  if (result.score < 3) {
    const hint = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
    throw new UsageError(
      `the passphrase is too easy to guess${hint ? ` (${hint})` : ''}: use four or more unrelated words`,
    );
  }
}

export async function sealKit(keys: VaultKeys, passphrase: string, random: (n: number) => Buffer): Promise<string> {
  const salt = random(16);
  const kdf = { name: 'scrypt' as const, ...SCRYPT, salt: salt.toString('base64') };
  const key = await derive(passphrase, salt, SCRYPT);
  const nonce = random(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad(keys.vaultId, kdf));
  const plain = Buffer.from(
    JSON.stringify({ masterKey: keys.masterKey.toString('base64'), auditKey: keys.auditKey.toString('base64') }),
  );
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  key.fill(0);
  const kit = {
    format: KIT_FORMAT,
    version: 1,
    vaultId: keys.vaultId,
    kdf,
    cipher: 'aes-256-gcm',
    nonce: nonce.toString('base64'),
    data: data.toString('base64'),
  };
  return `${JSON.stringify(kit, null, 2)}\n`;
}

/** Names the first field that is wrong; scrypt parameters beyond ours get their own refusal, as they cost memory before any check. */
function kitProblem(issue: z.core.$ZodIssue | undefined): UsageError {
  const path = issue?.path.map(String).join('.') ?? '';
  if (/^kdf\.[Nrp]$/.test(path)) {
    return new UsageError(
      `the kit's scrypt parameter ${path.slice(4)} is outside what tray-cred's kits use (N from 16384 to ${SCRYPT.N}, r up to ${SCRYPT.r}, p ${SCRYPT.p}): it was not made by tray-cred, so nothing was derived; use the kit \`tray-cred recovery export\` wrote`,
    );
  }
  return new UsageError(
    `this is not a tray-cred recovery kit of a version this build reads (${path || 'the whole file'} is not valid): use the kit \`tray-cred recovery export\` wrote`,
  );
}

export async function openKit(text: string, passphrase: string): Promise<VaultKeys> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError('this is not a tray-cred recovery kit (not JSON)');
  }
  const parsed = kitSchema.safeParse(json);
  if (!parsed.success) throw kitProblem(parsed.error.issues[0]);
  const kit = parsed.data;
  const key = await derive(passphrase, Buffer.from(kit.kdf.salt, 'base64'), kit.kdf);
  const body = Buffer.from(kit.data, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(kit.nonce, 'base64'));
    decipher.setAAD(aad(kit.vaultId, kit.kdf));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    const keys = keysSchema.parse(JSON.parse(plain.toString('utf8')));
    plain.fill(0);
    return {
      vaultId: kit.vaultId,
      masterKey: Buffer.from(keys.masterKey, 'base64'),
      auditKey: Buffer.from(keys.auditKey, 'base64'),
    };
  } catch {
    throw new UsageError('the passphrase is wrong, or the kit was changed: nothing was stored in the keychain');
  } finally {
    key.fill(0);
  }
}
