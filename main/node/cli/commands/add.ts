import type { Command } from 'commander';
import { ProfileAdmin } from '../../../core/vault/admin.ts';
import { UsageError } from '../../../core/errors.ts';
import { checkCredentials, checkProfileName } from '../../../core/profiles/profile.ts';
import type { CliContext } from '../context.ts';

export function registerAdd(program: Command, ctx: () => CliContext): void {
  program
    .command('add')
    .description('store keys for a profile; the secret comes from a hidden prompt or stdin, never from arguments')
    .argument('<profile>', 'profile name, as used in ~/.aws/config')
    .option('--access-key-id <id>', 'the access key id (asked for when omitted)')
    .option('--expiration <time>', 'when session credentials expire: ISO 8601 with a zone, like 2026-12-08T18:00:00Z')
    .option('--replace', 'rotate the keys of an existing profile', false)
    .addHelpText(
      'after',
      '\nWith stdin not a terminal, its first line is the secret access key and an optional second line the session token.',
    )
    .action(async (profile: string, options: { accessKeyId?: string; expiration?: string; replace: boolean }) => {
      const c = ctx();
      checkProfileName(profile);
      let accessKeyId = options.accessKeyId;
      let secretAccessKey: string;
      let sessionToken: string | undefined;
      if (process.stdin.isTTY) {
        accessKeyId ??= await c.ask('AWS access key id: ', false);
        secretAccessKey = await c.ask('AWS secret access key (not shown): ', true);
        sessionToken = (await c.ask('Session token, if any (not shown, Enter for none): ', true)) || undefined;
      } else {
        if (!accessKeyId)
          throw new UsageError('with stdin not a terminal, give the access key id with --access-key-id');
        const [secret = '', token] = (await c.readStdin()).split(/\r?\n/);
        secretAccessKey = secret;
        sessionToken = token || undefined;
      }
      if (!secretAccessKey.trim()) throw new UsageError('no secret access key was given');
      const credentials = checkCredentials(
        profile,
        {
          accessKeyId,
          secretAccessKey,
          sessionToken,
          expiration: options.expiration,
        },
        // Keys past their expiration would only be refused by the helper later: refused here, at the door.
        Date.now(),
      );
      const admin = new ProfileAdmin(c.vault, await c.audit());
      const done = await c.withKey((key) => admin.add(key, profile, credentials, options.replace));
      c.out(`${done === 'added' ? 'Added' : 'Rotated the keys of'} profile "${profile}".\n`);
    });
}
