/**
 * `tray-cred exec`, `export` and `serve`: front doors for tools that do not read
 * credential_process. Each asks the running agent over its socket like the helper does, so the
 * same lock, policy, approval and audit decide; by default only session credentials leave.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { commandAgent } from '../../client/agent-client.ts';
import type { CliContext } from '../context.ts';
import {
  EXPORT_FORMATS,
  checkNesting,
  childEnv,
  credentialVars,
  endpointVars,
  formatExport,
  type ExportFormat,
} from '../../exec/child-env.ts';
import { startEndpoint, type Endpoint } from '../../exec/credential-endpoint.ts';
import { parseDuration, regionFor } from '../../exec/options.ts';
import { endAsChild, runChild } from '../../exec/run-child.ts';
import { requireSession } from '../../exec/session-only.ts';

interface ExecOptions {
  server?: boolean;
  duration?: string;
  region?: string;
  longTermKey?: boolean;
  allowNested?: boolean;
}

/** The endpoint of `exec --server` and `serve`: each fetch asks the agent as this command. */
function endpointFor(c: CliContext, profile: string, duration: number | undefined): Promise<Endpoint> {
  const agent = commandAgent(c);
  // A refusal is worth a line: something local is probing the endpoint. The reason never holds the token.
  const refused = (why: string): void => c.err(`tray-cred: the credential endpoint refused a request: ${why}`);
  return startEndpoint(() => agent.credentials(profile, undefined, true), refused).then((endpoint) => {
    if (duration !== undefined) setTimeout(() => void endpoint.close(), duration).unref();
    return endpoint;
  });
}

async function envCredentials(
  c: CliContext,
  profile: string,
  o: ExecOptions,
  duration: number | undefined,
): Promise<Record<string, string>> {
  const allowLongTerm = o.longTermKey === true;
  const creds = requireSession(
    profile,
    await commandAgent(c).credentials(profile, undefined, !allowLongTerm),
    allowLongTerm,
  );
  if (duration !== undefined && creds.Expiration && Date.parse(creds.Expiration) < Date.now() + duration) {
    throw new UsageError(
      `the credentials of "${profile}" expire at ${creds.Expiration}, before --duration ends: use --server (the SDK then refreshes) or lengthen the session with \`tray-cred sts ${profile} --duration\``,
    );
  }
  return credentialVars(profile, creds, await regionFor(c, profile, o.region));
}

async function exec(c: CliContext, profile: string, command: string[], o: ExecOptions): Promise<never> {
  checkNesting(c.env, profile, o.allowNested === true);
  const duration = o.duration === undefined ? undefined : parseDuration(o.duration);
  const [file, ...args] = command.length ? command : [c.env.SHELL || '/bin/sh'];
  // runChild owns the signals before the first wait, so the credentials and the endpoint are made inside it.
  if (!o.server)
    endAsChild(await runChild(file!, args, async () => childEnv(c.env, await envCredentials(c, profile, o, duration))));
  if (o.longTermKey)
    throw new UsageError(
      '--server serves session credentials only (the container protocol has no place for a long-term key): drop --long-term-key',
    );
  // The endpoint starts inside runChild (so under its signal handling); this holds it for closing.
  const endpoints: Endpoint[] = [];
  try {
    const end = await runChild(file!, args, async () => {
      const endpoint = await endpointFor(c, profile, duration);
      endpoints.push(endpoint);
      return childEnv(
        c.env,
        endpointVars(profile, endpoint.url, endpoint.token, await regionFor(c, profile, o.region)),
      );
    });
    await Promise.all(endpoints.map((e) => e.close()));
    endAsChild(end);
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
  }
}

const regionOption = (): Option =>
  new Option(
    '--region <region>',
    'AWS_REGION for the child (default: the environment, else the profile in ~/.aws/config)',
  );

export function registerExec(program: Command, ctx: () => CliContext): void {
  program
    .command('exec')
    .description(
      "run a command with the profile's session credentials in its environment (or a local endpoint with --server)",
    )
    .argument('<profile>')
    .argument('[command...]', 'the command and its arguments, after `--` (default: your $SHELL)')
    .option(
      '--server',
      'serve credentials from a local endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) so SDKs refresh by themselves',
    )
    .option(
      '--duration <time>',
      'how long the child may use them (15m, 1h): with --server the endpoint stops then; without it, refuse credentials that expire sooner',
    )
    .addOption(regionOption())
    .option(
      '--long-term-key',
      "allow the profile's long-term key, for a profile that serves it to credential_process (stored keys without session mode)",
    )
    .option('--allow-nested', 'run inside another `tray-cred exec`')
    .action(async (profile: string, command: string[], o: ExecOptions) => {
      await exec(ctx(), profile, command, o);
    });

  program
    .command('export')
    .description('print the profile\'s session credentials as lines for your shell: eval "$(tray-cred export prod)"')
    .argument('<profile>')
    .addOption(
      new Option('--format <format>', 'env (sh, bash, zsh), json, powershell or fish')
        .choices(EXPORT_FORMATS)
        .default('env'),
    )
    .addOption(regionOption())
    .option('--long-term-key', "allow the profile's long-term key, for a profile that serves it to credential_process")
    .action(async (profile: string, o: ExecOptions & { format: ExportFormat }) => {
      const c = ctx();
      c.out(formatExport(await envCredentials(c, profile, o, undefined), o.format));
    });

  program
    .command('serve')
    .description('serve the profile from a local credential endpoint until stopped; prints the two variables to set')
    .argument('<profile>')
    .addOption(new Option('--format <format>', 'how to print the variables').choices(EXPORT_FORMATS).default('env'))
    .option('--duration <time>', 'stop after this long (15m, 1h); default: until SIGINT or SIGTERM')
    .addOption(regionOption())
    .action(async (profile: string, o: ExecOptions & { format: ExportFormat }) => {
      const c = ctx();
      const duration = o.duration === undefined ? undefined : parseDuration(o.duration);
      const endpoint = await endpointFor(c, profile, duration);
      c.out(
        formatExport(
          endpointVars(profile, endpoint.url, endpoint.token, await regionFor(c, profile, o.region)),
          o.format,
        ),
      );
      await new Promise<void>((resolve) => {
        for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, resolve);
        if (duration !== undefined) setTimeout(resolve, duration);
      });
      await endpoint.close();
    });
}
