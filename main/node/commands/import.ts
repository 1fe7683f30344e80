import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ProfileAdmin } from '../../core/admin.ts';
import { parseCredentialsFile } from '../../core/credentials-file.ts';
import { UsageError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';

export function registerImport(program: Command, ctx: () => CliContext): void {
  program
    .command('import')
    .description('import profiles from an ~/.aws/credentials-format file (names are printed, never keys)')
    .argument('<file>', 'the credentials file')
    .option('--profiles <names>', 'only these profiles, comma-separated')
    .option('--replace', 'replace profiles that exist already (their policy is kept)', false)
    .action(async (file: string, options: { profiles?: string; replace: boolean }) => {
      const c = ctx();
      const path = resolve(file);
      const text = await c.fs.readFile(path);
      if (!text) throw new UsageError(`there is no file at ${path}`);
      const parsed = parseCredentialsFile(text.toString('utf8'));
      let chosen = parsed.profiles;
      if (options.profiles) {
        const wanted = options.profiles.split(',').map((s) => s.trim()).filter(Boolean);
        const missing = wanted.filter((n) => !parsed.profiles.has(n));
        if (missing.length) throw new UsageError(`${path} has no profile ${missing.map((m) => `"${m}"`).join(', ')} with keys; it has: ${[...parsed.profiles.keys()].join(', ') || 'none'}`);
        chosen = new Map(wanted.map((n) => [n, parsed.profiles.get(n)!]));
      }
      if (chosen.size === 0) throw new UsageError(`${path} holds no profile with aws_access_key_id and aws_secret_access_key`);
      const key = await c.vault.loadMasterKey();
      try {
        const admin = new ProfileAdmin(c.vault, await c.audit());
        const r = await admin.import(key, chosen, { replace: options.replace, source: path });
        const lines = [
          ...r.added.map((n) => `added     ${n}`),
          ...r.replaced.map((n) => `replaced  ${n}`),
          ...r.skipped.map((n) => `skipped   ${n} (exists; --replace to overwrite)`),
          ...parsed.skipped.map((s) => `ignored   ${s.profile} (${s.why})`),
        ];
        c.out(`${lines.join('\n')}\nImported ${r.added.length + r.replaced.length} profile(s) from ${path}.\n`);
      } finally {
        key.fill(0);
      }
    });
}
