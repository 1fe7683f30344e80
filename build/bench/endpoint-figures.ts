/**
 * Issue 14's figure: credentials for an SDK that already runs, from the local credential
 * endpoint (`tray-cred serve`, the container provider protocol) against the helper process
 * (credential_process), side by side in one run, through the SDK for JavaScript v3's own
 * providers in this process. Both fetches are decided and audited by the same agent.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fromContainerMetadata, fromProcess } from '@aws-sdk/credential-providers';
import { ms, medianOf, type Figure } from './report.ts';
import { TRAY_CRED, runOk, type World } from './world.ts';

const SESSION = {
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
};

/** Stores a session (key, secret, token, expiration in 12 h) as `profile`, allowed without asking. */
export async function addSessionProfile(world: World, profile: string): Promise<void> {
  const expiration = new Date(Date.now() + 12 * 3600_000).toISOString();
  await runOk(
    TRAY_CRED,
    ['add', profile, '--access-key-id', SESSION.accessKeyId, '--expiration', expiration],
    world.env,
    `${SESSION.secretAccessKey}\n${SESSION.sessionToken}\n`,
  );
  await runOk(TRAY_CRED, ['policy', profile, 'allow'], world.env);
}

/** Runs `fn` with this process's environment set to `env` (the SDK's providers read process.env). */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

export async function endpointVsHelper(world: World, profile: string): Promise<Figure[]> {
  await writeFile(
    world.env.AWS_CONFIG_FILE!,
    `[profile ${profile}]\ncredential_process = tray-cred-helper ${profile}\n`,
  );
  const serve = spawn(TRAY_CRED, ['serve', profile, '--format', 'json'], {
    env: world.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const vars = await new Promise<Record<string, string>>((resolve, reject) => {
      let text = '';
      serve.stdout.on('data', (c: Buffer) => {
        text += c.toString('utf8');
        if (text.endsWith('\n')) resolve(JSON.parse(text) as Record<string, string>);
      });
      serve.once('exit', (code) => reject(new Error(`tray-cred serve exited ${code} before printing its variables`)));
    });
    const endpointMs = await withEnv(vars, async () => {
      const fetchOnce = async (): Promise<void> => {
        const c = await fromContainerMetadata({ timeout: 5_000 })();
        if (c.accessKeyId !== SESSION.accessKeyId) throw new Error('the endpoint served other credentials');
      };
      await medianOf(20, fetchOnce);
      return medianOf(300, fetchOnce);
    });
    const helperMs = await withEnv(world.env, async () => {
      const fetchOnce = async (): Promise<void> => {
        const c = await fromProcess({ profile })();
        if (c.accessKeyId !== SESSION.accessKeyId) throw new Error('the helper served other credentials');
      };
      await medianOf(3, fetchOnce);
      return medianOf(40, fetchOnce);
    });
    const ratio = helperMs / endpointMs;
    return [
      {
        name: 'credentials for a running SDK: helper process / local endpoint',
        value: `${ratio.toFixed(1)}x (${ms(helperMs)} / ${ms(endpointMs)})`,
        target: 'more than 10x',
        met: ratio > 10,
        note: 'JS SDK v3 in one process: fromProcess (spawns tray-cred-helper) median of 40, fromContainerMetadata against `tray-cred serve` median of 300, after warm-up; both audited by the same agent, allow profile holding a session',
      },
    ];
  } finally {
    serve.kill('SIGTERM');
  }
}
