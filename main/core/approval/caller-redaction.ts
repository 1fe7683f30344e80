/**
 * The one redaction list for what callers type. The agent applies it to every caller claim before
 * the claim reaches the audit log, the prompt, notifications, the approver command or an export.
 *
 * A caller's argv (newer helpers) is redacted argument by argument, so a quoted value after a
 * sensitive option is replaced whole. A joined command line (older helpers) keeps the old
 * one-word rule, plus the same KEY=value and by-shape rules.
 *
 * The list, in order:
 * 1. Options whose value is secret, as `--opt value` or `--opt=value`: `--password`, `*-password`
 *    (e.g. `--master-user-password`), `--secret*` (`--secret-string`, `--secret-access-key`; not
 *    `--secret-id`, `--secret-arn` or `--secret-name`, which name a secret and are the point of the record),
 *    `--sse-c*-key` (also `--sse-customer-key`, `--copy-source-sse-customer-key`), `--token-code`, `--session-token`, `--auth-parameters`, `--passphrase`, and
 *    `--value` when the command is `put-parameter`. Every argument after the option up to the
 *    next `--option` is replaced, so an unquoted `--password horse battery staple` goes whole.
 * 2. Options whose value is secret unless it names a file (`file://`, `fileb://`):
 *    `--cli-input-json`, `--cli-input-yaml`, `--private-key*`, `--certificate*`.
 * 3. Anywhere inside an argument: `NAME=value` and JSON `"NAME": "value"` where NAME looks like
 *    a secret (password, passwd, pwd, passphrase, secret, token, credential, or ends in a word then key, as API_KEY or apiKey, not a bare Key).
 * 4. Any argument that holds, by shape, an AWS secret access key (40 base64 characters of mixed
 *    case), a session token or other long base64 blob (100+), or a PEM private key.
 */
import type { CallerClaim, VerifiedCaller } from '../../../common/caller.ts';

/** What a redacted value is replaced by. */
export const REDACTED = '[redacted]';

const SECRET_OPTION =
  /^--(?:password|[\w-]+-password|secret(?!-id$|-arn$|-name$)[\w-]*|(?:[\w-]+-)?sse-c[\w-]*-key|token-code|session-token|auth-parameters|passphrase)$/i;
const INLINE_OPTION = /^--(?:cli-input-json|cli-input-yaml|private-key[\w-]*|certificate[\w-]*)$/i;
const FILE_REFERENCE = /^fileb?:\/\//i;
const SECRET_NAME = String.raw`[\w.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|credential|[\w-]key)[\w.-]*`;
/** `NAME=value` up to a separator, and JSON `"NAME": "value"`. */
const SECRET_PAIR = new RegExp(String.raw`(?<![\w.-])(${SECRET_NAME})=([^,;&\s"'}]*)`, 'gi');
const SECRET_JSON = new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\s]+)`, 'gi');
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const LONG_BLOB = /[A-Za-z0-9/+]{100,}/;
const SECRET_KEY_SHAPE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function hasSecretShape(text: string): boolean {
  if (PEM_PRIVATE_KEY.test(text) || LONG_BLOB.test(text)) return true;
  // Mixed case keeps hex digests (commit ids, checksums) and plain words out.
  return [...text.matchAll(SECRET_KEY_SHAPE)].some(([m]) => /[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9+/]/.test(m));
}

/** One argument with rules 3 and 4 applied. */
function redactPairs(arg: string): string {
  // Shorter than any shape of rule 4 (40 characters at least) and without the `=` or `:` of rule 3:
  // nothing to find. Most arguments are, and the agent redacts every ancestor's argv per request.
  if (arg.length < 40 && !arg.includes('=') && !arg.includes(':')) return arg;
  if (hasSecretShape(arg)) return REDACTED;
  return arg.replace(SECRET_PAIR, `$1=${REDACTED}`).replace(SECRET_JSON, `$1"${REDACTED}"`);
}

type Rule = 'secret' | 'inline' | undefined;

function ruleOf(option: string, putParameter: boolean): Rule {
  if (SECRET_OPTION.test(option) || (putParameter && /^--value$/i.test(option))) return 'secret';
  return INLINE_OPTION.test(option) ? 'inline' : undefined;
}

const redactValue = (rule: Rule, value: string): string =>
  rule === 'inline' && FILE_REFERENCE.test(value) ? redactPairs(value) : REDACTED;

/** A caller's argv with every value the list names replaced by {@link REDACTED}. */
export function redactArgv(argv: readonly string[]): string[] {
  const putParameter = argv.some((a) => a.toLowerCase() === 'put-parameter');
  const out: string[] = [];
  let pending: Rule;
  let first = false;
  for (const arg of argv) {
    if (pending && (first || !arg.startsWith('--'))) {
      out.push(redactValue(pending, arg));
      // An inline option takes one value; a secret option's value runs to the next option.
      if (pending === 'inline') pending = undefined;
      first = false;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const rule = ruleOf(eq > 0 ? arg.slice(0, eq) : arg, putParameter);
    if (eq > 0) {
      // An option's own name is never a secret: only what follows its '='.
      const value = arg.slice(eq + 1);
      out.push(`${arg.slice(0, eq)}=${rule ? redactValue(rule, value) : redactPairs(value)}`);
      pending = undefined;
    } else {
      out.push(rule ? arg : redactPairs(arg));
      pending = rule;
      first = rule !== undefined;
    }
  }
  return out;
}

/** A joined command line from a helper that sent no argv: one word after a secret flag, and rules 3 and 4 by word. */
const SECRET_FLAG =
  /(?<=^|\s)(--?(?:token-code|secret[\w-]*|password[\w-]*|[\w-]+-password|session-token|passphrase|auth-parameters|sse-c[\w-]*-key)(?:=|\s+))("[^"]*"|'[^']*'|\S+)/gi;

function redactCommand(command: string): string {
  return command.replace(SECRET_FLAG, `$1${REDACTED}`).split(' ').map(redactPairs).join(' ');
}

/** The caller's claims with secret values removed: they go to the audit log, the prompt and the approver. */
export function scrubCaller(caller: CallerClaim | undefined): CallerClaim | undefined {
  if (!caller) return undefined;
  if (!caller.argv)
    return { pid: caller.pid, ppid: caller.ppid, command: redactCommand(caller.command), cwd: caller.cwd };
  const argv = redactArgv(caller.argv);
  return { pid: caller.pid, ppid: caller.ppid, command: argv.join(' '), argv, cwd: caller.cwd };
}

/** A verified caller with every argv (the requester's and its ancestors') redacted as a claimed argv is. */
export function scrubVerified(verified: VerifiedCaller | undefined): VerifiedCaller | undefined {
  if (!verified) return undefined;
  return {
    ...verified,
    peer: { ...verified.peer },
    requester: { ...verified.requester, argv: redactArgv(verified.requester.argv) },
    ancestry: verified.ancestry.map((a) => ({ ...a, argv: redactArgv(a.argv) })),
  };
}
