/**
 * `tray-cred login <profile>`: the AWS console, signed in as the profile. The credentials come
 * from the running agent (policy, approval, audit, as for the helper); the sign-in URL they
 * become goes to the browser, or to stdout with --stdout, and nowhere else.
 */
import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { commandAgent } from '../../client/agent-client.ts';
import type { CliContext } from '../context.ts';
import { DEFAULT_SIGNIN_URL, consoleUrl } from '../../exec/console-login.ts';
import { parseDuration, regionFor } from '../../exec/options.ts';
import { openUrl } from '../../exec/open-url.ts';

interface LoginFlags {
  stdout?: boolean;
  region?: string;
  path?: string;
  duration?: string;
  signinUrl: string;
}

export function registerLogin(program: Command, ctx: () => CliContext): void {
  program
    .command('login')
    .description(
      "open the AWS console signed in as the profile (a role session, or a federation token the agent mints over an IAM user's key)",
    )
    .argument('<profile>')
    .option(
      '--stdout',
      'print the sign-in URL instead of opening a browser (it signs anyone in for 15 minutes: keep it private)',
    )
    .option(
      '--region <region>',
      'console region (default: the environment, else the profile in ~/.aws/config, else us-east-1)',
    )
    .option('--path <path>', 'console page to land on, such as /s3/home or /ec2/home')
    .option('--duration <time>', 'console session length, 15m to 12h (default 1h)')
    .option('--signin-url <url>', 'federation endpoint of your partition', DEFAULT_SIGNIN_URL)
    .action(async (profile: string, o: LoginFlags) => {
      const c = ctx();
      if (o.path !== undefined && !/^\/[\w\-./#?=&%]*$/.test(o.path))
        throw new UsageError(`--path "${o.path}" is not a console path: start with / (like /s3/home)`);
      const seconds = Math.round(parseDuration(o.duration ?? '1h') / 1000);
      if (seconds < 900 || seconds > 43_200) throw new UsageError('--duration for the console is 15m to 12h');
      const { credentials, federated } = await commandAgent(c).consoleCredentials(profile);
      const region = (await regionFor(c, profile, o.region)) ?? 'us-east-1';
      const url = await consoleUrl(credentials, {
        profile,
        region,
        destination: o.path,
        signinUrl: o.signinUrl,
        durationSeconds: seconds,
        federated,
      });
      if (o.stdout) {
        c.out(`${url}\n`);
        return;
      }
      await openUrl(url, c.env);
      c.err(`Opened the AWS console for "${profile}" in your browser.`);
    });
}
