/** Options shared by `exec`, `export`, `serve` and `login`: the region and a duration. */
import { homedir } from 'node:os';
import { parse } from 'ini';
import { awsFiles } from '../../core/aws/import-sources.ts';
import { UsageError } from '../../core/errors.ts';
import type { CliContext } from '../cli/context.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `15m`, `1h` as milliseconds, 1 s to 36 h. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})([smh]?)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! * 1000 : NaN;
  if (!(ms >= 1000 && ms <= 36 * 3600_000))
    throw new UsageError(
      `--duration "${text}" is not a duration: use seconds or a number with s, m or h (like 15m or 1h), at most 36h`,
    );
  return ms;
}

/** `--region`, else the one already in the environment, else the profile's region in the AWS config. */
export async function regionFor(
  c: Pick<CliContext, 'env' | 'fs'>,
  profile: string,
  given: string | undefined,
): Promise<string | undefined> {
  if (given) return given;
  const fromEnv = c.env.AWS_REGION || c.env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const text = (await c.fs.readFile(awsFiles(c.env, homedir()).config).catch(() => undefined))?.toString('utf8');
  if (!text) return undefined;
  const config = parse(text) as Record<string, unknown>;
  const section = config[profile === 'default' ? 'default' : `profile ${profile}`];
  const region =
    typeof section === 'object' && section !== null ? (section as Record<string, unknown>).region : undefined;
  return typeof region === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : undefined;
}
