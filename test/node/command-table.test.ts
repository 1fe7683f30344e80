/**
 * The table that lets `tray-cred` load only the module of the command typed: it must name every
 * command each module registers (a command missing from it would still work, through loading
 * all, but a name listed for the wrong module would register the wrong commands), and pick one
 * module only where that cannot change what commander does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { COMMAND_MODULES, modulesFor } from '../../main/node/cli/command-table.ts';
import { FriendlyCommand } from '../../main/node/cli/friendly-command.ts';
import type { CliContext } from '../../main/node/cli/context.ts';

const noContext = (): CliContext => {
  throw new Error('registration must not ask for the context');
};

test('each module registers exactly the top-level commands the table names for it, in help order', async () => {
  const all = new Command('tray-cred');
  for (const m of COMMAND_MODULES) {
    const alone = new Command('tray-cred');
    (await m.load())(alone, noContext);
    assert.deepEqual(
      alone.commands.map((c) => c.name()),
      [...m.names],
      `the table's names for the module registering ${m.names.join(', ')}`,
    );
    for (const c of alone.commands)
      assert.deepEqual(c.aliases(), [], `${c.name()} has an alias the table does not name`);
    (await m.load())(all, noContext);
  }
  const names = COMMAND_MODULES.flatMap((m) => m.names);
  assert.equal(new Set(names).size, names.length, 'no name is listed twice');
  assert.deepEqual(
    all.commands.map((c) => c.name()),
    names,
  );
});

/** Every command's help under `root`, by its path. */
function helps(root: Command, path = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of root.commands) {
    const here = `${path} ${c.name()}`.trim();
    out.set(here, c.helpInformation());
    for (const [k, v] of helps(c, here)) out.set(k, v);
  }
  return out;
}

test("a command registered alone has the same help, and the same subcommands' help, as with every other command beside it", async () => {
  const all = new FriendlyCommand('tray-cred').enablePositionalOptions();
  for (const m of COMMAND_MODULES) (await m.load())(all, noContext);
  const full = helps(all);
  let compared = 0;
  for (const m of COMMAND_MODULES) {
    const alone = new FriendlyCommand('tray-cred').enablePositionalOptions();
    (await m.load())(alone, noContext);
    for (const [path, help] of helps(alone)) {
      assert.equal(help, full.get(path), `tray-cred ${path} --help`);
      compared += 1;
    }
  }
  assert.equal(compared, full.size, 'every command of the tree was compared');
});

const moduleOf = (name: string) => COMMAND_MODULES.find((m) => m.names.includes(name));

test('the module of the command typed, none for --version, all for whatever reads the whole tree', () => {
  const cases: { args: string[]; want: 'none' | 'all' | string }[] = [
    { args: ['--version'], want: 'none' },
    { args: ['-v'], want: 'none' },
    { args: ['audit', '--limit', '50'], want: 'audit' },
    { args: ['audit', 'verify', '--json'], want: 'audit' },
    { args: ['list'], want: 'list' },
    { args: ['policy', 'dev', 'ask'], want: 'list' },
    { args: ['--version', 'list'], want: 'list' },
    { args: ['exec', 'dev', '--', 'aws', 'help'], want: 'exec' },
    { args: [], want: 'all' },
    { args: ['--help'], want: 'all' },
    { args: ['-h'], want: 'all' },
    { args: ['help', 'audit'], want: 'all' },
    { args: ['lst'], want: 'all' },
    { args: ['--bogus'], want: 'all' },
    { args: ['completion', 'bash'], want: 'all' },
    // After `--` everything is an operand: not what this table reasons about.
    { args: ['--', 'list'], want: 'all' },
    { args: ['--', '--version'], want: 'all' },
  ];
  for (const { args, want } of cases) {
    const got = modulesFor(args);
    const expected = want === 'none' ? [] : want === 'all' ? COMMAND_MODULES : [moduleOf(want)];
    assert.deepEqual(got, expected, `tray-cred ${args.join(' ')}`);
  }
});
