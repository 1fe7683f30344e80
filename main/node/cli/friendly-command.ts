/**
 * commander's Command with the errors a user of git or the AWS CLI expects: one line that names
 * the mistake, the suggestion if there is one, and where the help is; never the whole help.
 */
import { Command } from 'commander';

/** Rewrites commander's "error: unknown command 'lst'\n(Did you mean list?)" as one line. */
function oneLineError(message: string, commandPath: string): string {
  const [first = '', ...rest] = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const suggestion = rest.map((l) => /^\(Did you mean (?:one of )?(.+)\?\)$/.exec(l)?.[1]).find(Boolean);
  const quoted = suggestion
    ?.split(', ')
    .map((s) => `'${s}'`)
    .join(' or ');
  const what = first
    .replace(/^error: /, '')
    // "command-argument value 'ksh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish."
    .replace(
      /^command-argument value (.+) is invalid for argument '(.+)'\. Allowed choices are (.+?)\.?$/,
      (_, value: string, arg: string, choices: string) =>
        `${value} is not a <${arg}>: use ${choices.replace(/, (\w+)$/, ' or $1')}`,
    )
    .replace(/\.$/, '');
  return `tray-cred: ${what}${quoted ? ` (did you mean ${quoted}?)` : ''}; see ${commandPath} --help`;
}

export class FriendlyCommand extends Command {
  override createCommand(name?: string): FriendlyCommand {
    return new FriendlyCommand(name);
  }

  /** `tray-cred audit verify`, as the user would type it. */
  commandPath(): string {
    const names = [this.name()];
    for (let c = this.parent; c; c = c.parent) names.unshift(c.name());
    return names.join(' ');
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(oneLineError(message, this.commandPath()), errorOptions);
  }
}
