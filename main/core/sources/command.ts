import { toCredentialProcessDocument, type CredentialProcessDocument } from '../../../common/credential-process.ts';
import { CredentialsExpiredError, UpstreamError } from '../errors.ts';
import type { Clock, CommandRunner } from '../ports.ts';
import type { CommandSource } from '../profile.ts';
import type { CredentialProvider, Provided } from './provider.ts';

/** Scrubs what looks like a key or token out of a command's stderr before it is recorded. */
export function redact(text: string): string {
  return text.replace(/[A-Za-z0-9/+=_-]{24,}/g, '[redacted]').replace(/\s+/g, ' ').trim().slice(0, 500);
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
    const n = this.name;
    const seconds = this.source.timeoutSeconds ?? 30;
    const run = await this.deps.runner.run(this.source.command, seconds * 1000);
    if (run.timedOut) throw new UpstreamError(`the credential command of "${n}" did not finish within ${seconds} s`, redact(run.stderr));
    if (run.exitCode !== 0) throw new UpstreamError(`the credential command of "${n}" failed with exit status ${run.exitCode}: run it yourself to see why`, redact(run.stderr));
    let out: CredentialProcessDocument | undefined;
    try {
      out = toCredentialProcessDocument(JSON.parse(run.stdout));
    } catch {
      out = undefined;
    }
    if (!out) {
      throw new UpstreamError(`the credential command of "${n}" printed no valid credential_process JSON (Version 1, AccessKeyId, SecretAccessKey)`, redact(run.stderr));
    }
    if (out.Expiration && Date.parse(out.Expiration) <= this.deps.clock.now()) {
      throw new CredentialsExpiredError(n, out.Expiration, `its credential command returned credentials that had already expired`);
    }
    const creds = { accessKeyId: out.AccessKeyId, secretAccessKey: out.SecretAccessKey, sessionToken: out.SessionToken, expiration: out.Expiration };
    return { served: 'minted', kind: 'command', creds };
  }
}
