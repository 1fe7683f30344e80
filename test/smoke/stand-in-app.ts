/**
 * The tray app as built (dist/app/main.mjs) under Node with the stand-in `electron`, driven through
 * test/fakes/app-driver.ts: where there is no Electron runtime, as on the machines `npm test` runs
 * on. The stand-in's windows are not rendered, so History is seen open but its rows are not read
 * (test/renderer/history.test.ts renders the page in Chromium).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, type AppUnderTest, type Shown } from './smoke-world.ts';

const MAIN = join(ROOT, 'dist', 'app', 'main.mjs');
const DRIVER = join(ROOT, 'test', 'fakes', 'app-driver.ts');

export function startStandInApp(env: NodeJS.ProcessEnv): AppUnderTest {
  const child = spawn(process.execPath, [DRIVER, MAIN], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command: object): Promise<Record<string, unknown>> => {
    child.stdin.write(`${JSON.stringify(command)}\n`);
    const next = await answers.next();
    if (next.done) throw new Error(`the app exited: ${stderr.join('')}`);
    const answer = JSON.parse(next.value) as Record<string, unknown>;
    if (answer.error !== undefined) throw new Error(`${String(answer.error)}\n${stderr.join('')}`);
    return answer;
  };
  const windows = async (): Promise<string[]> => (await ask({ op: 'late' })).windows as string[];

  return {
    runtime: 'the stand-in electron under Node',
    async shown(): Promise<Shown> {
      // Linux's glyph: light with a dark edge, to read on light and dark panels.
      const tray = await ask({ op: 'tray', icon: 'tray-unlocked-outline.png' });
      return { windows: await windows(), trayMenu: tray.labels as string[] };
    },
    async allowOnce(profile) {
      const view = await ask({ op: 'approval', id: 1 });
      if (view.profile !== profile)
        throw new Error(`the approval window asks about ${String(view.profile)}, not ${profile}`);
      await ask({ op: 'answer', choice: { id: view.id, allow: true, scope: 'once' } });
    },
    async openHistory() {
      await ask({ op: 'menu', label: 'Open Access History…' });
      return { windows: await windows(), rows: undefined };
    },
    async quit() {
      await ask({ op: 'quit' });
      return exited;
    },
    log: () => stderr.join(''),
    kill: () => void child.kill('SIGKILL'),
  };
}
