import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { ProfileAdmin } from '../../../core/vault/admin.ts';
import { UsageError } from '../../../core/errors.ts';
import { awsFiles } from '../../../core/aws/import-sources.ts';
import { checkProfileName, ssoUntil, type ProfileRecord } from '../../../core/profiles/profile.ts';
import type { DeviceAuthorization } from '../../../core/ports/ports.ts';
import { ssoSourceFromConfig } from '../../../core/aws/sso-config.ts';
import { ssoSourceSchema, type SsoSource } from '../../../core/profiles/sso-schema.ts';
import { commandAgent } from '../../client/agent-client.ts';
import { signInAndStore } from '../../aws/sso-sign-in.ts';
import { localTime, table, type CliContext } from '../context.ts';

/** Opens a URL in the desktop's browser; false when there is no opener to run. */
function openBrowser(url: string): Promise<boolean> {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

async function ssoProfile(c: CliContext, name: string): Promise<ProfileRecord & { source: SsoSource }> {
  const p = await c.withKey(async (key) => (await c.vault.read(key)).data.profiles[name]);
  if (!p)
    throw new UsageError(`there is no profile "${name}" in the vault: add it with \`tray-cred sso add ${name} ...\``);
  if (p.source?.kind !== 'sso')
    throw new UsageError(`profile "${name}" does not sign in with IAM Identity Center: see \`tray-cred list\``);
  return p as ProfileRecord & { source: SsoSource };
}

/** A timer of our own keeps the command alive while it waits on the clock's (unref'd) timers. */
async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  const alive = setInterval(() => undefined, 60_000);
  try {
    return await fn();
  } finally {
    clearInterval(alive);
  }
}

interface AddOptions {
  startUrl?: string;
  region?: string;
  accountId?: string;
  roleName?: string;
  fromConfig?: boolean;
  replace: boolean;
}

async function sourceFor(c: CliContext, name: string, o: AddOptions): Promise<SsoSource> {
  if (o.fromConfig) {
    const file = awsFiles(c.env, homedir()).config;
    const found = ssoSourceFromConfig((await c.fs.readFile(file))?.toString('utf8') ?? '', name);
    if (found === undefined)
      throw new UsageError(
        `${file} has no IAM Identity Center settings for profile "${name}": give --start-url, --region, --account-id and --role-name`,
      );
    if (typeof found === 'string')
      throw new UsageError(`${file}: ${found}: complete it, or give the settings as options`);
    return found;
  }
  const parsed = ssoSourceSchema.safeParse({
    kind: 'sso',
    startUrl: o.startUrl,
    region: o.region,
    accountId: o.accountId,
    roleName: o.roleName,
  });
  if (!parsed.success)
    throw new UsageError(
      `sso add needs --start-url <https://...>, --region <region>, --account-id <12 digits> and --role-name <role> (or --from-config): ${parsed.error.issues[0]?.path.join('.') ?? ''} is missing or not valid`,
    );
  return parsed.data;
}

export function registerSso(program: Command, ctx: () => CliContext): void {
  const sso = program
    .command('sso')
    .description(
      'IAM Identity Center profiles: add, sign in, sign out, status; tokens live only in the vault and the agent',
    );
  registerAdd(sso, ctx);
  registerLogin(sso, ctx);
  registerLogout(sso, ctx);
  registerStatus(sso, ctx);
}

function registerAdd(sso: Command, ctx: () => CliContext): void {
  sso
    .command('add')
    .description('add a profile that takes a role through IAM Identity Center')
    .argument('<profile>')
    .option('--start-url <url>', 'the AWS access portal URL')
    .option('--region <region>', 'the Identity Center region')
    .option('--account-id <id>', 'the account')
    .option('--role-name <role>', 'the permission set role')
    .option('--from-config', 'take these from the profile (or its sso-session) in ~/.aws/config')
    .option('--replace', 'turn a profile with stored keys into an Identity Center profile, deleting those keys', false)
    .action(async (name: string, o: AddOptions) => {
      const c = ctx();
      checkProfileName(name);
      const source = await sourceFor(c, name, o);
      const done = await c.withKey(async (key) =>
        new ProfileAdmin(c.vault, await c.audit()).setSource(key, name, source, o.replace),
      );
      c.out(
        `${done === 'added' ? 'Added' : 'Updated'} profile "${name}": role ${source.roleName} in ${source.accountId} through ${source.startUrl}. Sign in with \`tray-cred sso login ${name}\`.\n`,
      );
    });
}

function registerLogin(sso: Command, ctx: () => CliContext): void {
  sso
    .command('login')
    .description('sign in through the browser (device authorization); the tokens are kept in the vault')
    .argument('<profile>')
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .action(async (name: string, o: { browser: boolean }) => {
      const c = ctx();
      await ssoProfile(c, name);
      const show = async (a: DeviceAuthorization): Promise<void> => {
        const url = a.verificationUriComplete ?? a.verificationUri;
        const opened = o.browser && (await openBrowser(url));
        c.out(
          `${opened ? 'Opened' : 'Open'} ${url} ${opened ? 'in your browser; ' : 'and '}confirm the code ${a.userCode}. Waiting…\n`,
        );
      };
      const deps = {
        vault: c.vault,
        withKey: c.withKey,
        audit: await c.audit(),
        center: c.aws.identityCenter,
        clock: c.clock,
      };
      const token = await keepAlive(() => signInAndStore(deps, name, show));
      await commandAgent(c).forgetQuietly(name);
      c.out(
        `Signed in: "${name}" is served until ${localTime(ssoUntil({ ssoToken: token }))} without signing in again.\n`,
      );
    });
}

function registerLogout(sso: Command, ctx: () => CliContext): void {
  sso
    .command('logout')
    .description('sign out: end the session at the portal and delete the tokens from the vault')
    .argument('<profile>')
    .action(async (name: string) => {
      const c = ctx();
      const p = await ssoProfile(c, name);
      if (p.ssoToken)
        await c.aws.identityCenter
          .logout(p.source.region, p.ssoToken.accessToken)
          .catch((e: unknown) =>
            c.err(
              `tray-cred: warning: the portal was not told (${(e as Error).message}); the tokens are deleted here all the same`,
            ),
          );
      await c.withKey((key) =>
        c.vault.update(key, (data) => {
          const q = data.profiles[name];
          if (q) delete q.ssoToken;
        }),
      );
      await (await c.audit()).append({ event: 'sso', profile: name, reason: 'signed out' });
      await commandAgent(c).forgetQuietly(name);
      c.out(`Signed out of "${name}".\n`);
    });
}

function registerStatus(sso: Command, ctx: () => CliContext): void {
  sso
    .command('status')
    .description('show each Identity Center profile and whether it needs a sign-in')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const c = ctx();
      const now = c.clock.now();
      const profiles = await c.withKey(async (key) => (await c.vault.read(key)).data.profiles);
      const rows = Object.entries(profiles)
        .filter(([, p]) => p.source?.kind === 'sso')
        .map(([name, p]) => {
          const until = ssoUntil(p);
          const signedIn = until !== undefined && Date.parse(until) > now;
          return {
            profile: name,
            startUrl: p.source?.kind === 'sso' ? p.source.startUrl : '',
            signedIn,
            until: signedIn ? until : undefined,
          };
        });
      if (o.json) c.out(`${JSON.stringify(rows)}\n`);
      else
        c.out(
          rows.length
            ? table(
                ['PROFILE', 'START URL', 'STATE'],
                rows.map((r) => [
                  r.profile,
                  r.startUrl,
                  r.signedIn
                    ? `signed in until ${localTime(r.until)}`
                    : `sign-in needed: tray-cred sso login ${r.profile}`,
                ]),
              )
            : 'No IAM Identity Center profiles: add one with `tray-cred sso add`.\n',
        );
    });
}
