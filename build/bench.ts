/**
 * `npm run bench`: measures the figures of issue 6 in one run and prints them as a Markdown
 * table for README. It is not a test: it fails only when something does not work, never on
 * timing. Everything runs against the built commands in dist/ and a real gnome-keyring in a
 * private D-Bus session on a temporary HOME (the script starts that session itself).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { agentFigures } from './bench/agent-load.ts';
import { auditFigures } from './bench/audit-figures.ts';
import { addSessionProfile, endpointVsHelper } from './bench/endpoint-figures.ts';
import { callerWalkFigure } from './bench/caller-walk.ts';
import { cliStartFigures } from './bench/cli-figures.ts';
import { burstFigures, helperVsFloor, rawCeiling, seaVsFloor, startInstantAgent } from './bench/floor-figures.ts';
import { helperVsNode, throughAwsCli } from './bench/helper-figures.ts';
import { historyScaleFigures } from './bench/history-scale.ts';
import { describeMachine } from './bench/machine.ts';
import { renderReport, type Figure } from './bench/report.ts';
import { vaultFigures } from './bench/vault-figures.ts';
import { addProfile, makeWorld, startAgent, type World } from './bench/world.ts';

/** Set in the private session's copy of this script, so it does not start another one. */
const IN_SESSION = 'TRAY_CRED_BENCH_IN_SESSION';

/** Starts gnome-keyring as build/test.sh does, then runs this script again inside the session. */
async function inPrivateSession(): Promise<number> {
  const home = await mkdtemp('/tmp/tc-bench-home-');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, [IN_SESSION]: '1' };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  const script = [
    'eval "$(printf "\\n" | gnome-keyring-daemon --unlock --components=secrets --daemonize)"',
    'export GNOME_KEYRING_CONTROL',
    'exec "$0" "$@"',
  ].join('\n');
  try {
    const child = spawn(
      'dbus-run-session',
      ['--', 'sh', '-c', script, process.execPath, import.meta.filename, ...process.argv.slice(2)],
      { env, stdio: 'inherit' },
    );
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

const step = (what: string): void => {
  process.stderr.write(`bench: ${what}\n`);
};

async function withWorld<T>(name: string, fn: (world: World) => Promise<T>): Promise<T> {
  const world = await makeWorld(name);
  try {
    return await fn(world);
  } finally {
    await world.cleanup();
  }
}

/** The parts of the run: `--only agent,vault` measures just those (the others take minutes; `history` alone takes a minute or two). */
const PARTS = ['helper', 'burst', 'agent', 'audit', 'vault', 'history', 'cli'] as const;
type Part = (typeof PARTS)[number];

function selectedParts(argv: readonly string[]): ReadonlySet<Part> {
  const { values } = parseArgs({ args: [...argv], options: { only: { type: 'string' } } });
  if (values.only === undefined) return new Set(PARTS);
  const wanted = values.only.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !(PARTS as readonly string[]).includes(w));
  if (unknown.length > 0)
    throw new Error(`--only takes ${PARTS.join(', ')} (comma-separated), not ${unknown.join(', ')}`);
  return new Set(wanted as Part[]);
}

async function measure(parts: ReadonlySet<Part>): Promise<void> {
  const machine = describeMachine();
  const figures: Figure[] = [];
  if (parts.has('helper') || parts.has('burst') || parts.has('agent'))
    await withWorld('agent', async (world) => {
      await addProfile(world, 'dev', 'allow');
      await addSessionProfile(world, 'session');
      const agent = await startAgent(world);
      // Issue 16's floors run beside the real agent, in their own process: an agent that answers at once.
      const instant = await startInstantAgent(world);
      try {
        if (parts.has('helper')) {
          step(
            'figure 1: helper vs the floor (a minimal Node client against an instant agent) and node -e 0 (hyperfine, 3 rounds)',
          );
          figures.push(...(await helperVsFloor(world, instant, 'dev')));
          step('figure 1b: the single-executable helper vs the floor');
          figures.push(...(await seaVsFloor(world, instant, 'dev')));
          figures.push(...(await helperVsNode(world, 'dev')));
          step('figure 2: through the AWS CLI, helper vs the openssl recipe');
          figures.push(...(await throughAwsCli(world, 'dev')));
        }
        if (parts.has('burst')) {
          step('figure 3b: a burst of 100 helpers vs a burst of 100 minimal clients (5 rounds)');
          figures.push(...(await burstFigures(world, instant, 'dev')));
        }
        if (!parts.has('agent')) return;
        step(
          'figure 3: the agent under 1, 10 and 100 concurrent raw socket clients (and the 100 against the instant agent)',
        );
        const ceiling = await rawCeiling(instant, 'dev');
        const { figures: load, rps } = await agentFigures(world.socket, 'dev', ceiling);
        figures.push(...load, ...(await callerWalkFigure(rps)));
        step('figure 6: credentials for a running SDK, local endpoint vs helper process');
        figures.push(...(await endpointVsHelper(world, 'session')));
      } finally {
        await instant.stop();
        await agent.stop();
      }
      const verified = await world.trayCred(['audit', 'verify']);
      if (verified.status !== 0)
        throw new Error(`the audit log written under load does not verify: ${verified.stderr}`);
      step(verified.stdout.trim());
    });
  if (parts.has('audit')) {
    step('figure 4: audit verify and history query on 100,000 entries');
    figures.push(...(await withWorld('audit', auditFigures)));
  }
  if (parts.has('vault')) {
    step('figure 5: vault open and save with 100 and 1,000 profiles');
    figures.push(...(await withWorld('vault', vaultFigures)));
  }
  if (parts.has('history')) {
    step('figure 7: the history at 1,000,000 entries');
    figures.push(...(await withWorld('history', (world) => historyScaleFigures(world, step))));
  }
  if (parts.has('cli')) {
    step("figure 8: the CLI's own start (--version, list, audit --limit 50) vs node -e 0 (hyperfine, 3 rounds)");
    figures.push(...(await withWorld('cli', cliStartFigures)));
  }
  process.stdout.write(renderReport(machine, figures));
}

if (process.env[IN_SESSION] === '1') {
  await measure(selectedParts(process.argv.slice(2)));
} else {
  process.exitCode = await inPrivateSession();
}
