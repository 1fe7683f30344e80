import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectFormat, readSource } from '../../main/core/aws/import-sources.ts';
import { decryptOpensslEnc, isOpensslEnc, passphraseFromKeyFile } from '../../main/core/aws/openssl-enc.ts';
import { DEV_KEYS, PROD_KEYS } from '../fakes/keys.ts';
import { SYNC_LIMIT } from '../node/processes.ts';

const credentials = `[dev]\naws_access_key_id = ${DEV_KEYS.accessKeyId}\naws_secret_access_key = ${DEV_KEYS.secretAccessKey}\n\n[prod]\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\n`;

/** Files made by the real openssl command line, with the recipe's exact flags. */
describe('openssl enc files, made by openssl itself', () => {
  let dir: string;
  const path = (n: string): string => join(dir, n);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { ...SYNC_LIMIT, stdio: 'pipe' });
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tray-cred-openssl-'));
    await writeFile(path('credentials'), credentials);
    openssl('rand', '-base64', '-out', path('aws-creds.key'), '32');
    openssl('rand', '-base64', '-out', path('wrong.key'), '32');
    // Step 1 of the recipe, to the letter.
    openssl(
      'enc',
      '-aes-256-cbc',
      '-pbkdf2',
      '-in',
      path('credentials'),
      '-out',
      path('static_credentials.enc'),
      '-pass',
      `file:${path('aws-creds.key')}`,
    );
    openssl(
      'enc',
      '-aes-256-cbc',
      '-pbkdf2',
      '-iter',
      '200000',
      '-in',
      path('credentials'),
      '-out',
      path('iter.enc'),
      '-pass',
      `file:${path('aws-creds.key')}`,
    );
    openssl(
      'enc',
      '-aes-256-cbc',
      '-pbkdf2',
      '-a',
      '-in',
      path('credentials'),
      '-out',
      path('base64.enc'),
      '-pass',
      'pass:correct horse',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const key = async (n = 'aws-creds.key'): Promise<Buffer> => passphraseFromKeyFile(await readFile(path(n)));

  it('decrypts the recipe file with its key file to the original bytes', async () => {
    const file = await readFile(path('static_credentials.enc'));
    assert.equal(isOpensslEnc(file), true);
    assert.equal(decryptOpensslEnc(file, await key()).toString('utf8'), credentials);
    const parsed = readSource(
      detectFormat(path('static_credentials.enc'), file),
      path('static_credentials.enc'),
      file,
      { passphrase: await key() },
    );
    assert.deepEqual(parsed.profiles.get('prod'), PROD_KEYS);
  });

  it('honours -iter and -a', async () => {
    assert.equal(
      decryptOpensslEnc(await readFile(path('iter.enc')), await key(), 200_000).toString('utf8'),
      credentials,
    );
    const b64 = await readFile(path('base64.enc'));
    assert.equal(isOpensslEnc(b64), true);
    assert.equal(decryptOpensslEnc(b64, Buffer.from('correct horse')).toString('utf8'), credentials);
  });

  it('fails cleanly with a wrong key file or iteration count, naming the cause', async () => {
    const file = await readFile(path('static_credentials.enc'));
    for (const [pass, iter] of [
      [await key('wrong.key'), 10_000],
      [await key(), 10_000 + 1],
    ] as const) {
      assert.throws(
        () => readSource('openssl-enc', 'x.enc', file, { passphrase: pass, iterations: iter }),
        (e: Error) =>
          /wrong|not to an AWS credentials file/.test(e.message) && !e.message.includes(DEV_KEYS.secretAccessKey),
      );
    }
    const right = await key();
    assert.throws(() => decryptOpensslEnc(Buffer.from(credentials), right), /not a file made by `openssl enc/);
  });

  it('tells formats apart by content and name', () => {
    assert.equal(detectFormat('/h/.aws/credentials', Buffer.from(credentials)), 'aws-credentials');
    assert.equal(detectFormat('/h/.aws/credential_prod', Buffer.from(credentials)), 'credential-file');
    assert.equal(detectFormat('/h/.aws/anything', Buffer.from('Salted__12345678')), 'openssl-enc');
  });

  it('reads a credential_<profile> file under its name', () => {
    const single = `[prod]\naws_access_key_id = ${PROD_KEYS.accessKeyId}\naws_secret_access_key = ${PROD_KEYS.secretAccessKey}\naws_session_token = tok\n`;
    const parsed = readSource('credential-file', '/h/.aws/credential_prod', Buffer.from(single), {});
    assert.deepEqual(parsed.profiles.get('prod'), { ...PROD_KEYS, sessionToken: 'tok' });
    assert.throws(
      () => readSource('credential-file', '/h/.aws/credential_x', Buffer.from(credentials), {}),
      /no \[x\] section .* --as/,
    );
  });
});
