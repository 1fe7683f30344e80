/**
 * `tray-cred audit --summary [--since 7d]` and `tray-cred audit show <seq>`: the history window's
 * per-profile activity and detail pane, in a terminal. Every shown text goes through displayText:
 * claims and reasons are whatever a caller or a hand-edited log put there.
 */
import { DECISIONS } from '../../../../common/decision.ts';
import { displayText } from '../../../../common/display.ts';
import type { AccessStory, ProfileActivity } from '../../../../common/history.ts';
import { accessStory, readEntry } from '../../../core/history/access-story.ts';
import { UsageError } from '../../../core/errors.ts';
import { localTime, table, type CliContext } from '../context.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** `30m`, `24h`, `7d`, `4w`: one number and one unit, which is all `--since` takes (no library spells durations this small). */
const DURATION = /^(\d{1,6})([mhdw])$/;

/** `--since` in milliseconds. */
export function sinceMs(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new UsageError(`--since takes a number and a unit (m, h, d or w), like 7d or 24h, not "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const show = (text: string, max = 200): string => displayText(text, max);

function summaryRow(a: ProfileActivity): string[] {
  const decisions = DECISIONS.filter((d) => a.byDecision[d])
    .map((d) => `${d} ${a.byDecision[d]}`)
    .join(', ');
  const programs = a.programs.map((p) => `${p.exe} (${p.uses})`).join(', ');
  return [
    a.profile,
    a.lastUsed ? localTime(a.lastUsed) : 'never',
    String(a.uses24h),
    String(a.uses7d),
    String(a.denials),
    decisions || '-',
    programs || '-',
  ].map((c) => show(c, 400));
}

/** Per-profile counts by decision and the verified programs seen, since `since` ago. */
export async function auditSummary(
  c: CliContext,
  options: { since: string; json?: boolean; now: number },
): Promise<void> {
  const since = options.now - sinceMs(options.since);
  const index = await c.history();
  await index.refresh();
  const activity = index.activity(options.now, since);
  if (options.json) {
    c.out(`${JSON.stringify({ since: new Date(since).toISOString(), profiles: activity })}\n`);
    return;
  }
  c.out(`Since ${localTime(new Date(since).toISOString())} (${options.since}):\n`);
  c.out(
    activity.length
      ? table(
          ['PROFILE', 'LAST USED', '24 H', '7 D', 'NOT SERVED', 'DECISIONS', 'PROGRAMS SERVED (VERIFIED)'],
          activity.map(summaryRow),
        )
      : 'No accesses.\n',
  );
}

function process(p: { pid: number; exe: string; argv: string[] }): string {
  return `${show(p.exe)} (pid ${p.pid}): ${show(p.argv.join(' '), 300)}`;
}

/** The story as labelled lines, claims marked as such. */
export function storyLines(s: AccessStory): string[] {
  const lines = [
    `Entry ${s.seq}, ${localTime(s.time)}: ${s.event}${s.profile ? ` of ${show(s.profile)}` : ''}${s.decision ? `, ${s.decision}` : ''}${s.durationMs === null ? '' : ` in ${s.durationMs} ms`}`,
  ];
  if (s.firstUse)
    lines.push(`First time ${show(s.verified?.requester.exe ?? '?')} asks for ${show(s.profile ?? '?')} (in 90 days)`);
  if (s.reason) lines.push(`Reason: ${show(s.reason)}`);
  if (s.verified) {
    const v = s.verified;
    lines.push(
      `Requested by (verified, ${show(v.method)}): ${process(v.requester)}`,
      `  in ${show(v.requester.cwd)}, started at tick ${show(v.requester.startTime)}; peer pid ${v.peer.pid}, uid ${v.peer.uid}`,
    );
    for (const p of v.ancestry) lines.push(`  under ${process(p)}`);
  } else lines.push('Requested by: not verified (the OS could not name the caller)');
  if (s.claimed)
    lines.push(
      `Claimed by the client (not proof): ${show(s.claimed.command, 300)} in ${show(s.claimed.cwd)} (pid ${s.claimed.pid}, parent ${s.claimed.ppid})`,
    );
  if (s.approval) lines.push(`Approval: ${s.approval.scope}, granted by prompt ${show(s.approval.grant)}`);
  if (s.served) lines.push(`Credentials from: ${show(s.served)}`);
  if (s.credentialId)
    lines.push(`Access key id: ${show(s.credentialId)}${s.sessionName ? `, role session ${show(s.sessionName)}` : ''}`);
  if (s.cloudTrail) lines.push(`CloudTrail: ${s.cloudTrail}`);
  if (s.requestId) lines.push(`Request id: ${show(s.requestId)}`);
  lines.push(
    s.anchored
      ? 'Chain: anchored in the keychain'
      : 'Chain: after the last keychain anchor (run `tray-cred audit verify` to check it)',
  );
  return lines;
}

/** One access's full story. */
export async function auditShow(c: CliContext, seqText: string, options: { json?: boolean }): Promise<void> {
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new UsageError(
      `\`audit show\` takes an entry number (the SEQ column of \`tray-cred audit\`), not "${seqText}"`,
    );
  const entry = await readEntry(c.fs, c.auditDir, seq);
  if (!entry)
    throw new UsageError(`there is no audit entry ${seq}: run \`tray-cred audit\` to see the entries' numbers`);
  const index = await c.history();
  await index.refresh();
  const anchor = await (await c.audit()).readAnchor();
  const story = accessStory(entry, { anchoredSeq: anchor?.seq ?? 0, firstUse: index.isFirstUse(seq) ?? false });
  c.out(options.json ? `${JSON.stringify(story)}\n` : `${storyLines(story).join('\n')}\n`);
}
