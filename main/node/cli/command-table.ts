/**
 * Which module registers each top-level command, so that `tray-cred` loads only the one typed:
 * `tray-cred audit --limit 50` never evaluates the IAM SDK, zxcvbn or `diff` that other commands
 * need. Each module is imported with `import()`; the bundle puts each in a chunk of its own
 * (build/bundle.ts). The order is the order of `tray-cred --help`.
 */
import type { Command } from 'commander';
import type { CliContext } from './context.ts';

type Register = (program: Command, ctx: () => CliContext) => void;

interface CommandModule {
  /** The top-level commands the module registers, as typed. */
  names: readonly string[];
  load: () => Promise<Register>;
  /** It reads the whole command tree (`completion` writes a script for every command). */
  needsAll?: boolean;
}

export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['init'], load: async () => (await import('./commands/init.ts')).registerInit },
  { names: ['add'], load: async () => (await import('./commands/add.ts')).registerAdd },
  { names: ['import'], load: async () => (await import('./commands/import.ts')).registerImport },
  { names: ['list', 'remove', 'policy'], load: async () => (await import('./commands/profiles.ts')).registerProfiles },
  { names: ['role', 'external', 'sts'], load: async () => (await import('./commands/sts.ts')).registerSts },
  { names: ['configure-aws'], load: async () => (await import('./commands/configure-aws.ts')).registerConfigureAws },
  { names: ['agent'], load: async () => (await import('./commands/agent.ts')).registerAgent },
  { names: ['approve'], load: async () => (await import('./commands/approve.ts')).registerApprove },
  { names: ['stop', 'restart'], load: async () => (await import('./commands/stop.ts')).registerStop },
  {
    names: ['status', 'lock', 'unlock', 'sessions', 'forget'],
    load: async () => (await import('./commands/control.ts')).registerControl,
  },
  { names: ['exec', 'export', 'serve'], load: async () => (await import('./commands/exec.ts')).registerExec },
  { names: ['login'], load: async () => (await import('./commands/login.ts')).registerLogin },
  { names: ['audit'], load: async () => (await import('./commands/audit.ts')).registerAudit },
  { names: ['recovery'], load: async () => (await import('./commands/recovery.ts')).registerRecovery },
  { names: ['rekey'], load: async () => (await import('./commands/rekey.ts')).registerRekey },
  { names: ['rotate', 'rotate-after'], load: async () => (await import('./commands/rotate.ts')).registerRotate },
  { names: ['sso'], load: async () => (await import('./commands/sso.ts')).registerSso },
  { names: ['doctor'], load: async () => (await import('./commands/doctor.ts')).registerDoctor },
  { names: ['settings'], load: async () => (await import('./commands/settings.ts')).registerSettings },
  { names: ['service'], load: async () => (await import('./commands/service.ts')).registerService },
  { names: ['setup'], load: async () => (await import('./commands/setup.ts')).registerSetup },
  { names: ['uninstall'], load: async () => (await import('./commands/uninstall.ts')).registerUninstall },
  {
    names: ['completion'],
    load: async () => (await import('./commands/completion.ts')).registerCompletion,
    needsAll: true,
  },
];

/**
 * The modules to load for `args` (argv without node and the script): the one that registers the
 * command typed; none for `--version` alone; all of them, in help order, for anything that reads
 * the whole tree (`--help`, `help <command>`, a misspelt command and its suggestion, `completion`).
 * tray-cred's own options take no value, so the first argument that is not an option is the
 * command. Loading all is always right, only slower: every case not recognised here gets it.
 */
export function modulesFor(args: readonly string[]): readonly CommandModule[] {
  const end = args.indexOf('--');
  const before = end === -1 ? args : args.slice(0, end);
  const typed = before.find((a) => !a.startsWith('-'));
  if (typed === undefined)
    return end === -1 && before.some((a) => a === '-v' || a === '--version') ? [] : COMMAND_MODULES;
  const one = COMMAND_MODULES.find((m) => m.names.includes(typed));
  return one && !one.needsAll ? [one] : COMMAND_MODULES;
}

/**
 * `args` as commander should read them: an unknown command typed with `--help` (`tray-cred
 * frobnicate --help`) would print the main help and exit 0, as if it were fine; without the help
 * flag commander says the command is unknown (with its suggestion) and the exit is the usage status.
 */
export function unknownCommandWithoutHelp(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  const before = end === -1 ? args : args.slice(0, end);
  const typed = before.find((a) => !a.startsWith('-'));
  if (typed === undefined || typed === 'help' || COMMAND_MODULES.some((m) => m.names.includes(typed))) return args;
  const isHelp = (a: string, i: number): boolean => (end === -1 || i < end) && (a === '--help' || a === '-h');
  return args.filter((a, i) => !isHelp(a, i));
}
