/**
 * How a caller reads to a person, the same in every view (the tray's prompt, notifications,
 * `tray-cred audit`, the history window, the approver command): what the kernel verified is said
 * to be verified, and what a client only claimed is said to be claimed. Every text from a caller
 * goes through {@link displayText}. This file imports only the rest of the vocabulary.
 */
import type { CallerClaim, ProcessFacts, VerifiedCaller } from './caller.ts';
import { displayText } from './display.ts';

/** The program as a command line: its argv, or its executable when it has no argv. */
export function programText(p: Pick<ProcessFacts, 'exe' | 'argv'>): string {
  return p.argv.length > 0 ? p.argv.join(' ') : p.exe;
}

/** The verified program in a few words, for headings: "/usr/bin/python3 /usr/bin/aws s3 ls". */
export function verifiedProgram(verified: VerifiedCaller, max = 80): string {
  return displayText(programText(verified.requester) || `pid ${verified.peer.pid}`, max);
}

/**
 * One line for the verified requester: "requesting program (verified by the kernel):
 * /usr/bin/python3 /usr/bin/aws s3 ls, in /home/ann, pid 123", with the executable when argv[0]
 * (which a process may set) names another file, and what could not be verified.
 */
export function verifiedLine(verified: VerifiedCaller, max = 1000): string {
  const r = verified.requester;
  const parts = [`requesting program (verified by the kernel): ${verifiedProgram(verified, max)}`];
  if (r.exe && r.argv[0] !== r.exe) parts.push(`executable ${displayText(r.exe, 500)}`);
  if (r.cwd) parts.push(`in ${displayText(r.cwd, 500)}`);
  parts.push(`pid ${r.pid}`);
  const line = parts.join(', ');
  return verified.incomplete ? `${line} (not all verified: ${displayText(verified.incomplete, 300)})` : line;
}

/**
 * Whether a claim says something the verified caller does not: it names another process than
 * the verified requester. The helper claims its parent, which is the requester unless a shell or
 * wrapper sat between them; a forged claim names whatever it likes.
 */
export const claimDiffers = (caller: CallerClaim | undefined, verified: VerifiedCaller | undefined): boolean =>
  caller !== undefined && (verified === undefined || caller.pid !== verified.requester.pid);
