/**
 * `npm start` (build/start.ts) where Electron's runtime is missing: one paragraph that says what
 * is missing, how to get it and that `npm run agent` works meanwhile, exit status 14, no stack
 * trace, nothing started. Run in this checkout (whose electron package has no binary when the
 * download was impossible) and in copies with a fake electron package for each state it can be in.
 */
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NODE_BIN, ROOT, run } from './support.ts';

const NODE = join(NODE_BIN, 'node');

function assertParagraph(r: { status: number | null; stdout: string; stderr: string }, missing: RegExp): void {
  assert.equal(r.status, 14, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.deepEqual([lines.length, lines[1]], [2, ''], `one paragraph, ending in a newline: ${r.stderr}`);
  assert.match(lines[0]!, /^tray-cred: cannot start the tray app: /);
  assert.match(lines[0]!, missing);
  assert.match(lines[0]!, /a machine that can download Electron's binary/);
  assert.match(lines[0]!, /the packaged app/);
  assert.match(
    lines[0]!,
    /Nothing was started: a headless agent in this terminal instead of a tray icon would surprise a desktop user\./,
  );
  assert.match(lines[0]!, /`npm run agent` runs the headless agent/);
  assert.doesNotMatch(r.stderr, /\n\s+at |^\w*Error\b/m, 'no stack trace');
}

describe("npm start without Electron's runtime", () => {
  const checkoutHasElectron = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'));
  test('in this checkout', { skip: checkoutHasElectron && 'this checkout has an Electron binary' }, async () => {
    const r = await run(NODE, [join(ROOT, 'build', 'start.ts')], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' },
    });
    // The download is tried (electron's install.js) and fails here, with what it said.
    assertParagraph(
      r,
      /Electron's runtime was never downloaded \(.*node_modules\/electron\/path\.txt is missing\), and downloading it now failed \(.+\)\. /,
    );
  });

  // A copy of start.ts and what it imports, beside a node_modules with a fake electron package.
  let root: string;
  before(async () => {
    root = await mkdtemp('/tmp/tc-start-');
    await mkdir(join(root, 'build'));
    await mkdir(join(root, 'common'));
    await copyFile(join(ROOT, 'build', 'start.ts'), join(root, 'build', 'start.ts'));
    await copyFile(join(ROOT, 'common', 'errors.ts'), join(root, 'common', 'errors.ts'));
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'copy', type: 'module', private: true }));
  });
  after(() => rm(root, { recursive: true, force: true }));

  async function fakeElectron(files: Record<string, string>): Promise<void> {
    const pkg = join(root, 'node_modules', 'electron');
    await rm(pkg, { recursive: true, force: true });
    await mkdir(join(pkg, 'dist'), { recursive: true });
    // Requiring it would try a download and throw, as the real one does offline: start.ts must not.
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'electron', version: '45.5.0', main: 'index.js' }),
    );
    await writeFile(
      join(pkg, 'index.js'),
      "throw new Error('Electron failed to install correctly. Please delete `node_modules/electron`');\n",
    );
    for (const [name, text] of Object.entries(files)) await writeFile(join(pkg, name), text);
  }
  const OFFLINE = "console.log('Downloading...');\nconsole.error('TypeError: fetch failed');\nprocess.exit(1);\n";
  const FAKE_BINARY = '#!/bin/sh\necho "electron $* in $PWD"\nexit 3\n';
  const start = (args: string[] = []) =>
    run(NODE, [join(root, 'build', 'start.ts'), ...args], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' },
      cwd: root,
    });

  test('no electron package at all', async () => {
    await rm(join(root, 'node_modules'), { recursive: true, force: true });
    assertParagraph(await start(), /the electron package is not installed in node_modules\./);
  });

  test('never downloaded, and the download fails: no path.txt', async () => {
    await fakeElectron({ 'install.js': OFFLINE });
    assertParagraph(
      await start(),
      /Electron's runtime was never downloaded \(.*path\.txt is missing\), and downloading it now failed \(TypeError: fetch failed\)\. /,
    );
  });

  test('path.txt names a binary that is not there, and the download fails', async () => {
    await fakeElectron({ 'path.txt': 'electron', 'install.js': OFFLINE });
    const binary = join(root, 'node_modules', 'electron', 'dist', 'electron');
    assertParagraph(
      await start(),
      new RegExp(
        `Electron's runtime is missing \\(no ${binary}\\), and downloading it now failed \\(TypeError: fetch failed\\)\\. `,
      ),
    );
  });

  test('with the runtime there, it runs the app in this folder and passes its exit status on', async () => {
    await fakeElectron({ 'path.txt': 'electron', 'dist/electron': FAKE_BINARY });
    await chmod(join(root, 'node_modules', 'electron', 'dist', 'electron'), 0o755);
    const r = await start(['--trace-warnings']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [3, `electron . --trace-warnings in ${root}\n`, '']);
  });

  test('where the download works, the first start fetches the runtime and runs it, as `electron .` did', async () => {
    const install = `const fs = require('fs');\nfs.writeFileSync(__dirname + '/dist/electron', ${JSON.stringify(FAKE_BINARY)}, { mode: 0o755 });\nfs.writeFileSync(__dirname + '/path.txt', 'electron');\n`;
    await fakeElectron({ 'install.js': install });
    const r = await start();
    assert.deepEqual([r.status, r.stdout, r.stderr], [3, `electron . in ${root}\n`, '']);
  });
});
