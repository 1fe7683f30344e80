/**
 * Shell completion scripts generated from the commander definitions, so a new command or option
 * is completed the day it is added. Profile names come from the `[profile …]` sections of the AWS
 * config file: cheap, and no keychain access on every Tab.
 */
import type { Command } from 'commander';

/** The shells `tray-cred completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionSpec {
  long?: string;
  short?: string;
  takesValue: boolean;
  /** The value is a profile name (`--profile <profile>`, `--source-profile <profile>`). */
  profileValue: boolean;
  description: string;
}

interface CommandSpec {
  /** Subcommand names from the top, e.g. ['audit', 'verify']; [] is tray-cred itself. */
  path: string[];
  description: string;
  options: OptionSpec[];
  subcommands: string[];
  /** Fixed values of its arguments (`completion <shell>`). */
  choices: string[];
  /** It takes a <profile> argument. */
  profileArg: boolean;
}

const HELP: OptionSpec = {
  long: '--help',
  short: '-h',
  takesValue: false,
  profileValue: false,
  description: 'show help',
};

/** Every command of the tree under `root`, parents before children. */
function commandSpecs(root: Command, path: string[] = []): CommandSpec[] {
  const options = root.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      long: o.long,
      short: o.short,
      takesValue: o.required || o.optional,
      profileValue: /<profile>/.test(o.flags),
      description: o.description,
    }));
  const spec: CommandSpec = {
    path,
    description: root.description(),
    options: [...options, HELP],
    subcommands: root.commands.map((c) => c.name()),
    choices: root.registeredArguments.flatMap((a) => a.argChoices ?? []),
    profileArg: root.registeredArguments.some((a) => a.name() === 'profile'),
  };
  return [spec, ...root.commands.flatMap((c) => commandSpecs(c, [...path, c.name()]))];
}

const sq = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
const fishQuote = (text: string): string => `'${text.replace(/[\\']/g, '\\$&')}'`;
const flagsOf = (s: CommandSpec): string[] =>
  s.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
const wordsOf = (s: CommandSpec): string[] => [...s.subcommands, ...s.choices, ...flagsOf(s)];
const key = (s: CommandSpec): string => sq(s.path.map((p) => ` ${p}`).join(''));
/** `at|previous word` patterns after which a profile name is wanted. */
const profileOptionKeys = (specs: CommandSpec[]): string[] =>
  specs.flatMap((s) =>
    s.options
      .filter((o) => o.profileValue)
      .flatMap((o) => [o.long, o.short].filter(Boolean).map((f) => sq(`${s.path.map((p) => ` ${p}`).join('')}|${f}`))),
  );

const PROFILES_SED = `sed -n 's/^[[:space:]]*\\[profile[[:space:]][[:space:]]*\\([^]]*\\)\\].*/\\1/p' "\${AWS_CONFIG_FILE:-$HOME/.aws/config}" 2>/dev/null`;

function bash(specs: CommandSpec[]): string {
  const nested = specs.filter((s) => s.path.length > 0);
  return `# bash completion for tray-cred, generated from its commands by \`tray-cred completion bash\`.
# Load it with: source <(tray-cred completion bash)    (or save it in ~/.local/share/bash-completion/completions/tray-cred)
_tray_cred_profiles() { ${PROFILES_SED}; }
_tray_cred() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} at='' w i cands=''
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$at $w" in
      ${nested.map(key).join('|')}) at="$at $w" ;;
    esac
  done
  case "$at|$prev" in
    ${profileOptionKeys(specs).join('|') || "'-'"}) COMPREPLY=($(compgen -W "$(_tray_cred_profiles)" -- "$cur")); return ;;
  esac
  case "$at" in
${specs.map((s) => `    ${key(s)}) cands=${sq(wordsOf(s).join(' '))}${s.profileArg ? '; [[ $cur == -* ]] || cands="$cands $(_tray_cred_profiles)"' : ''} ;;`).join('\n')}
  esac
  COMPREPLY=($(compgen -W "$cands" -- "$cur"))
}
complete -o default -F _tray_cred tray-cred
`;
}

function zsh(specs: CommandSpec[]): string {
  const nested = specs.filter((s) => s.path.length > 0);
  return `#compdef tray-cred
# zsh completion for tray-cred, generated from its commands by \`tray-cred completion zsh\`.
# Load it with: autoload -Uz compinit && compinit; source <(tray-cred completion zsh)
_tray_cred_profiles() { ${PROFILES_SED}; }
_tray_cred() {
  local at='' w i
  local -a cands
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case "$at $w" in
      (${nested.map(key).join('|')}) at="$at $w" ;;
    esac
  done
  case "$at|\${words[CURRENT-1]}" in
    (${profileOptionKeys(specs).join('|') || "'-'"}) compadd -- $(_tray_cred_profiles); return ;;
  esac
  case "$at" in
${specs.map((s) => `    (${key(s)}) cands=(${wordsOf(s).join(' ')})${s.profileArg ? '; [[ $PREFIX == -* ]] || cands+=($(_tray_cred_profiles))' : ''} ;;`).join('\n')}
  esac
  compadd -- "\${cands[@]}"
}
(( $+functions[compdef] )) && compdef _tray_cred tray-cred
`;
}

/** The fish condition that holds when the command line is at `path`. */
function fishAt(s: CommandSpec): string {
  if (s.path.length === 0) return '__fish_use_subcommand';
  const seen = s.path.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
  return s.subcommands.length ? `${seen}; and not __fish_seen_subcommand_from ${s.subcommands.join(' ')}` : seen;
}

function fishLines(s: CommandSpec, byName: Map<string, string>): string[] {
  const c = `complete -c tray-cred -n ${fishQuote(fishAt(s))}`;
  const lines = s.subcommands.map(
    (name) => `${c} -f -a ${name} -d ${fishQuote(byName.get([...s.path, name].join(' ')) ?? '')}`,
  );
  for (const choice of s.choices) lines.push(`${c} -f -a ${choice}`);
  if (s.profileArg) lines.push(`${c} -a '(__tray_cred_profiles)'`);
  for (const o of s.options) {
    const flags = [o.long && `-l ${o.long.slice(2)}`, o.short && `-s ${o.short.slice(1)}`].filter(Boolean).join(' ');
    lines.push(
      `${c} ${flags}${o.takesValue ? ' -r' : ''}${o.profileValue ? " -f -a '(__tray_cred_profiles)'" : ''} -d ${fishQuote(o.description)}`,
    );
  }
  return lines;
}

function fish(specs: CommandSpec[]): string {
  const byName = new Map(specs.map((s) => [s.path.join(' '), s.description.split(/[:;(]/)[0]!.trim()]));
  return `# fish completion for tray-cred, generated from its commands by \`tray-cred completion fish\`.
# Load it with: tray-cred completion fish | source    (or save it as ~/.config/fish/completions/tray-cred.fish)
function __tray_cred_profiles
    set -l file $HOME/.aws/config
    set -q AWS_CONFIG_FILE; and set file $AWS_CONFIG_FILE
    test -r $file; and string replace -rf '^\\s*\\[profile\\s+([^\\]]+)\\].*' '$1' <$file
end
${specs.flatMap((s) => fishLines(s, byName)).join('\n')}
`;
}

/** The completion script for `shell`, generated from the commands under `root`. */
export function completionScript(root: Command, shell: Shell): string {
  const specs = commandSpecs(root);
  return { bash, zsh, fish }[shell](specs);
}
