import { toCredentialProcessDocument, type CredentialProcessDocument } from '../../../common/credential-process.ts';
import { CredentialsExpiredError, UpstreamError, type TrayCredError } from '../errors.ts';
import type { Clock, CommandResult, CommandRunner } from '../ports/ports.ts';
import type { CommandSource } from '../profiles/profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';

/** Scrubs what looks like a key or token out of a command's stderr before it is recorded. */
export function redact(text: string): string {
  return text
    .replace(/[A-Za-z0-9/+=_-]{24,}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

/** The document a finished command printed, or why it cannot be served. */
type CommandOutput = { ok: true; document: CredentialProcessDocument } | { ok: false; error: TrayCredError };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Checks what the command of profile `name` did, given `seconds` to do it, at time `now`. Pure: no I/O. */
function readCommandOutput(name: string, seconds: number, run: CommandResult, now: number): CommandOutput {
  const upstream = (what: string): CommandOutput => ({
    ok: false,
    error: new UpstreamError(`the credential command of "${name}" ${what}`, redact(run.stderr)),
  });
  if (run.timedOut) return upstream(`did not finish within ${seconds} s`);
  if (run.exitCode !== 0) return upstream(`failed with exit status ${run.exitCode}: run it yourself to see why`);
  const json = parseJson(run.stdout);
  const document = json.ok ? toCredentialProcessDocument(json.value) : undefined;
  if (!document) return upstream('printed no valid credential_process JSON (Version 1, AccessKeyId, SecretAccessKey)');
  if (document.Expiration && Date.parse(document.Expiration) <= now) {
    return {
      ok: false,
      error: new CredentialsExpiredError(
        name,
        document.Expiration,
        'its credential command returned credentials that had already expired',
      ),
    };
  }
  return { ok: true, document };
}

/** Credentials printed by the profile's external command (credential_process: 1Password `op`, `vault`, ...). */
export class CommandProvider implements CredentialProvider {
  private readonly name: string;
  private readonly source: CommandSource;
  private readonly deps: { runner: CommandRunner; clock: Clock };

  constructor(name: string, source: CommandSource, deps: { runner: CommandRunner; clock: Clock }) {
    this.name = name;
    this.source = source;
    this.deps = deps;
  }

  async retrieve(): Promise<Provided> {
    const seconds = this.source.timeoutSeconds ?? 30;
    const run = await this.deps.runner.run(this.source.command, seconds * 1000);
    const output = readCommandOutput(this.name, seconds, run, this.deps.clock.now());
    if (!output.ok) throw output.error;
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = output.document;
    return {
      served: 'minted',
      kind: 'command',
      creds: {
        accessKeyId: AccessKeyId,
        secretAccessKey: SecretAccessKey,
        sessionToken: SessionToken,
        expiration: Expiration,
      },
    };
  }
}
