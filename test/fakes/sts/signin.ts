import { randomBytes } from 'node:crypto';
import type { RuleSwitch } from '../stand-in-rules.ts';
import type { Answer } from './answers.ts';
import type { Keys } from './principals.ts';
import type { StsRule } from './rules.ts';

export interface SignIn {
  principal: string;
  sessionDuration: string | undefined;
  signinToken: string;
}

/**
 * The console federation endpoint's getSigninToken, as signin.aws.amazon.com answers it: the
 * Session must be live keys the stand-in minted for a role or a federated user (GetSessionToken's
 * are refused, as AWS does), and SessionDuration is refused for federated users.
 */
export function signin(
  q: URLSearchParams,
  keys: ReadonlyMap<string, Keys>,
  rules: RuleSwitch<StsRule>,
): Answer & { issued?: SignIn } {
  const refuse = (why: string): Answer => ({ status: 400, body: JSON.stringify({ error: why }) });
  if (q.get('Action') !== 'getSigninToken') return refuse('unknown Action');
  let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
  try {
    session = JSON.parse(q.get('Session') ?? '') as typeof session;
  } catch {
    return refuse('Session is not JSON');
  }
  const k = typeof session.sessionId === 'string' ? keys.get(session.sessionId) : undefined;
  if (!k?.sessionToken || k.secretAccessKey !== session.sessionKey || k.sessionToken !== session.sessionToken)
    return refuse('invalid session');
  if (k.expiresAt !== undefined && k.expiresAt <= Date.now()) return refuse('expired session');
  if (rules.on('signin-session')) {
    if (k.kind !== 'federated' && k.kind !== 'role-session')
      return refuse('session credentials from GetSessionToken cannot sign in');
    if (k.kind === 'federated' && q.has('SessionDuration'))
      return refuse('SessionDuration is not allowed for federated users');
  }
  const signinToken = `SIGNIN${randomBytes(24).toString('hex')}`;
  const issued = { principal: k.principal, sessionDuration: q.get('SessionDuration') ?? undefined, signinToken };
  return { status: 200, body: JSON.stringify({ SigninToken: signinToken }), issued };
}
