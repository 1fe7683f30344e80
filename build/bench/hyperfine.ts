import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk } from './world.ts';

/** One command's timing as hyperfine exports it, in milliseconds. */
export interface Timing {
  command: string;
  mean: number;
  stddev: number;
  median: number;
  min: number;
  runs: number;
}

/**
 * Times commands with hyperfine, without a shell (`-N`), in the given environment. Each
 * command is an argument vector joined by spaces, so no argument may hold a space.
 */
export async function hyperfine(
  commands: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { warmup: number; runs: number },
): Promise<Timing[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tc-hyperfine-'));
  try {
    const file = join(dir, 'out.json');
    await runOk(
      'hyperfine',
      [
        '-N',
        '--style',
        'none',
        '--warmup',
        String(options.warmup),
        '--runs',
        String(options.runs),
        '--export-json',
        file,
        ...commands,
      ],
      env,
    );
    const json = JSON.parse(await readFile(file, 'utf8')) as {
      results: { command: string; mean: number; stddev: number; median: number; min: number; times: number[] }[];
    };
    return json.results.map((r) => ({
      command: r.command,
      mean: r.mean * 1000,
      stddev: r.stddev * 1000,
      median: r.median * 1000,
      min: r.min * 1000,
      runs: r.times.length,
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
