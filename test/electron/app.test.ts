import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { AWS_CLI, ROOT, credentialsFile, makeSandbox, run, writeAwsConfig, type Sandbox } from '../e2e/support.ts';
import { PROD_KEYS } from '../fakes/keys.ts';
import { killGroup, spawnGroup } from '../node/processes.ts';

const BUILT = join(ROOT, 'dist', 'app', 'main.mjs');

/**
 * The composition root as built (dist/app/main.mjs) with the real keychain, socket, helper and
 * AWS CLI; only `electron` is the stand-in, driven by test/fakes/app-driver.ts as the user would.
 * The bundle runs from where a packed app has it, `resources/app.asar/dist/app/` (a copy, with the
 * archive's package.json and node_modules beside it), from another cwd: a path found from the cwd
 * or the checkout breaks here as it would in the archive.
 */
describe('the tray app, end to end', () => {
  let sandbox: Sandbox;
  /** The copy of dist/app laid out as in the packed app: `<root>/opt/tray-cred/resources/app.asar`. */
  let packed: string;
  let ask: (command: object) => Promise<Record<string, unknown>>;
  let exited: Promise<number | null>;
  let appGroup: number | undefined;
  const stderr: string[] = [];

  before(async () => {
    assert.ok(existsSync(BUILT), `${BUILT} is missing: run \`node build/bundle.ts\` (build/test.sh does) first`);
    sandbox = await makeSandbox();
    // A terminal that writes down what it was asked to run, first on PATH (Debian's name for the default one).
    const terminals = join(sandbox.root, 'terminals');
    await mkdir(terminals);
    await writeFile(
      join(terminals, 'x-terminal-emulator'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${join(sandbox.root, 'terminal-ran')}'\n`,
      { mode: 0o755 },
    );
    packed = join(sandbox.root, 'opt', 'tray-cred', 'resources', 'app.asar');
    await cp(join(ROOT, 'dist', 'app'), join(packed, 'dist', 'app'), { recursive: true });
    await copyFile(join(ROOT, 'package.json'), join(packed, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(packed, 'node_modules'));
    const MAIN = join(packed, 'dist', 'app', 'main.mjs');
    // The CLI beside the app's bundle, as a checkout has it: the terminal the tray opens runs it by its full path.
    await symlink(join(ROOT, 'dist', 'tray-cred.mjs'), join(packed, 'dist', 'tray-cred.mjs'));
    // A planted native-library path: the app must drop it, or the keyring addon would load it (and fail here).
    const env = {
      ...sandbox.env,
      PATH: `${terminals}:${sandbox.env.PATH}`,
      NAPI_RS_NATIVE_LIBRARY_PATH: join(sandbox.root, 'planted.node'),
    };
    const child = spawnGroup(process.execPath, [join(ROOT, 'test', 'fakes', 'app-driver.ts'), MAIN], {
      env,
      cwd: await mkdtemp(join(sandbox.root, 'cwd-')),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    appGroup = child.pid;
    child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
    exited = new Promise((r) => child.on('exit', (code) => r(code)));
    const answers = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    ask = async (command) => {
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      const next = await answers.next();
      assert.ok(!next.done, `the app exited: ${stderr.join('')}`);
      const answer = JSON.parse(next.value) as Record<string, unknown>;
      assert.equal(answer.error, undefined, `${String(answer.error)}\n${stderr.join('')}`);
      return answer;
    };
  });
  after(() => {
    killGroup(appGroup);
    return sandbox.cleanup();
  });

  it('offers to create a vault on first run, then unlocks and shows the tray', async () => {
    const offer = await ask({ op: 'box', n: 1 });
    assert.equal(offer.message, 'Create a tray-cred vault?');
    assert.match(String(offer.detail), new RegExp(sandbox.home));
    await ask({ op: 'click', n: 1, label: 'Create vault' });
    const tray = await ask({ op: 'tray', icon: 'tray-unlocked-outline.png' });
    // Linux: the light glyph with a dark edge (it reads on light and dark panels) whatever the theme.
    assert.equal(tray.icon, join(packed, 'dist', 'app', 'tray', 'tray-unlocked-outline.png'));
    assert.equal((tray.labels as string[])[0], 'Lock');
    const status = await sandbox.trayCred(['status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).locked, false);
  });

  it('set its paths, lock and menu before Electron was ready (main awaits the app at its top level)', async () => {
    const late = await ask({ op: 'late' });
    assert.deepEqual(late.lateCalls, []);
    assert.match(
      String(late.userData),
      /\/electron$/,
      "Chromium's files go to a folder of their own, not beside vault.json",
    );
    assert.ok(existsSync(join(String(late.userData), '..', 'vault.json')), 'the folder is inside the data directory');
    assert.equal(late.menu, null, 'no default menu with Reload and Toggle Developer Tools');
    assert.equal(late.appPath, packed, "Electron's app path is the archive");
    // The test's D-Bus session has no StatusNotifierWatcher, as GNOME without the AppIndicator extension.
    assert.deepEqual(
      late.windows,
      ['control.html'],
      'with no tray host the control window stands in for the invisible tray',
    );
  });

  it('asks in the approval window when the AWS CLI wants prod, and serves it after Allow', async () => {
    await writeFile(join(sandbox.root, 'creds'), credentialsFile({ prod: PROD_KEYS }));
    const imported = await sandbox.trayCred(['import', join(sandbox.root, 'creds')]);
    assert.equal(imported.status, 0, imported.stderr);
    await writeAwsConfig(sandbox, ['prod']);
    const aws = run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'prod'], {
      env: sandbox.env,
      killAfterMs: 60_000,
    });
    const view = await ask({ op: 'approval', id: 1 });
    assert.equal(view.profile, 'prod');
    assert.match(String(view.program), /aws configure export-credentials --profile prod$/);
    // The kernel named the CLI, so this run may be granted besides once (remember is 0: "this run" is offered alone).
    assert.deepEqual(view.scopes, ['once', 'run'], `${JSON.stringify(view)}\n${stderr.join('')}`);
    const waiting = await ask({ op: 'tray', icon: 'tray-pending-outline.png' });
    assert.ok((waiting.labels as string[]).some((l) => l.startsWith('Waiting for approval: prod (')));
    assert.deepEqual(await ask({ op: 'answer', choice: { id: 1, allow: true, scope: 'once' } }), { ok: true });
    const result = await aws;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).AccessKeyId, PROD_KEYS.accessKeyId);
    const after = await ask({ op: 'tray', icon: 'tray-unlocked-outline.png' });
    assert.ok(
      (after.labels as string[]).some((l) =>
        /^prod — .*aws configure export-.*…\(\d+ more\) — approved — \d\d:\d\d$/.test(l),
      ),
      String(after.labels),
    );
  });

  it('takes an approvalTimeoutSeconds changed from the CLI for the next prompt, and names it in the refusal', async () => {
    const set = await sandbox.trayCred(['settings', 'approvalTimeoutSeconds', '5']);
    assert.equal(set.status, 0, set.stderr);
    const started = Date.now();
    const aws = run(AWS_CLI, ['configure', 'export-credentials', '--profile', 'prod'], {
      env: sandbox.env,
      killAfterMs: 60_000,
    });
    await ask({ op: 'approval', id: 2 });
    const result = await aws;
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /nobody approved access to "prod" within 5 s/);
    assert.ok(Date.now() - started < 30_000, 'not the 50 s read at start');
  });

  it("runs a terminal with the app's own tray-cred by its full path, which a terminal's PATH need not find", async () => {
    await ask({ op: 'menu', label: 'Run a terminal with this profile' });
    const ran = join(sandbox.root, 'terminal-ran');
    let args = '';
    for (let i = 0; i < 500 && !args; i += 1) {
      await new Promise((r) => setTimeout(r, 10));
      args = await readFile(ran, 'utf8').catch(() => '');
    }
    const cli = join(packed, 'dist', 'tray-cred.mjs');
    assert.equal(args, `-e\n${cli}\nexec\nprod\n`, stderr.join(''));
    assert.ok(((await stat(cli)).mode & 0o111) !== 0, `${cli} can be run`);
  });

  it('with no tray host, the control window has the tray menu: a setting clicked there is the setting changed', async () => {
    const reply = (await ask({ op: 'page', label: 'control.html', channel: 'control:menu' })) as {
      ok: boolean;
      value: { label: string; items?: { label: string; checked?: boolean }[] }[];
    };
    assert.ok(reply.ok, JSON.stringify(reply));
    const labels = reply.value.map((i) => i.label);
    for (const label of [
      'Lock',
      'Lock after idle',
      'Unlock when a request arrives',
      'Install command-line helper…',
      'Quit',
    ])
      assert.ok(labels.includes(label), `${label} in ${labels.join(' | ')}`);
    const idle = labels.indexOf('Lock after idle');
    const five = reply.value[idle]!.items!.findIndex((i) => i.label === '5 min');
    assert.deepEqual(
      await ask({ op: 'page', label: 'control.html', channel: 'control:click', args: [[idle, five], '5 min'] }),
      { ok: true },
    );
    const settings = await sandbox.trayCred(['settings', 'idleLockMinutes']);
    assert.match(settings.stdout, /\b5\b/, settings.stdout + settings.stderr);
  });

  it('a second start (or an activate) opens the control window again where there is no tray host, not the history', async () => {
    await ask({ op: 'close', label: 'control.html' });
    await ask({ op: 'emit', label: 'second-instance' });
    const second = (await ask({ op: 'late' })).windows as string[];
    assert.deepEqual(
      second,
      ['control.html'],
      'the tray is invisible: the control window is how the person reaches tray-cred',
    );
    await ask({ op: 'close', label: 'control.html' });
    await ask({ op: 'emit', label: 'activate' });
    assert.deepEqual((await ask({ op: 'late' })).windows, ['control.html']);
  });

  it('locks from the tray menu and records the stop when quit', async () => {
    await ask({ op: 'menu', label: 'Lock' });
    await ask({ op: 'tray', icon: 'tray-locked-outline.png' });
    const quit = await ask({ op: 'quit' });
    assert.deepEqual(quit, { quitCalls: 2 }, 'the first quit was held back until the agent had stopped');
    assert.equal(await exited, 0);
    const audit = await sandbox.trayCred(['audit', '--json']);
    assert.equal(audit.status, 0, audit.stderr);
    const events = audit.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reason?: string })
      .map((e) => `${e.event}${e.reason ? `: ${e.reason}` : ''}`);
    assert.match(
      events[0]!,
      /^init: vault [0-9a-f]+$/,
      'the vault made at first run is recorded before the agent starts',
    );
    assert.match(events[1]!, /^agent-start: tray app pid \d+/);
    assert.ok(events.includes('lock: locked from the tray menu'), events.join('\n'));
    assert.ok(events.includes('agent-stop: quit from the tray'), events.join('\n'));
    assert.ok(!stderr.join('').includes(PROD_KEYS.secretAccessKey));
    // The history index (loaded by the approval's first-use check and the history window) left its sealed snapshot at quit.
    const snapshot = await stat(join(sandbox.home, 'history-index.snapshot'));
    assert.equal(snapshot.mode & 0o777, 0o600);
    assert.ok(!(await readFile(join(sandbox.home, 'history-index.snapshot'))).includes(PROD_KEYS.secretAccessKey));
  });
});
