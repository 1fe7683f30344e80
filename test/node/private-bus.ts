/**
 * A D-Bus session bus of one test file's own. The run's files share the session bus build/test.sh
 * starts (the keyring is on it), so a test that plays the desktop there (a screen-lock signal, a
 * tray host's name) is heard by every tray app another file runs at the same time: app.test.ts's
 * app locked itself on desktop-bus.test.ts's ActiveChanged(true). Tests that send such signals use
 * this bus, named in their own process's DBUS_SESSION_BUS_ADDRESS while they run.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bounded, killGroup, spawnGroup, waitForExit, type GroupEnd } from './processes.ts';

/**
 * Starts a dbus-daemon in a process group of its own with `busArgs` (`--session` and an address,
 * or a config file) and resolves once it listens; fails if it exits or has not listened in 15 s.
 * Every test that needs a bus of its own starts it here.
 */
export async function startBusDaemon(
  busArgs: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  end: GroupEnd = {},
): Promise<ChildProcess> {
  const bus = spawnGroup(
    'dbus-daemon',
    [...busArgs, '--nofork', '--nopidfile', '--print-address=1'],
    { env, stdio: ['ignore', 'pipe', 'ignore'] },
    end,
  );
  await bounded(
    'dbus-daemon listening',
    new Promise((resolve, reject) => {
      bus.stdout!.once('data', resolve);
      bus.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
    }),
    15_000,
  );
  return bus;
}

export interface PrivateBus {
  address: string;
  /** Puts DBUS_SESSION_BUS_ADDRESS back, stops the bus and removes its folder. */
  stop(): Promise<void>;
}

/** Starts a session bus and points this process's DBUS_SESSION_BUS_ADDRESS at it until `stop()`. */
export async function usePrivateBus(): Promise<PrivateBus> {
  const dir = await mkdtemp('/tmp/tc-bus-');
  const address = `unix:path=${join(dir, 'bus')}`;
  const bus = await startBusDaemon(['--session', `--address=${address}`]);
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  return {
    address,
    async stop() {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
      killGroup(bus.pid);
      await waitForExit(bus);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
