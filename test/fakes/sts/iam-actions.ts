import { randomBytes } from 'node:crypto';
import type { RuleSwitch } from '../stand-in-rules.ts';
import { type Answer, IAM_XMLNS, notAuthorized, refuse, succeed } from './answers.ts';
import { accountOf, type Keys, nameOf } from './principals.ts';
import type { StsRule } from './rules.ts';

/** What IAM's access-key actions read and change of the stand-in. */
export interface IamState {
  readonly rules: RuleSwitch<StsRule>;
  /** IAM's eventual consistency: a key CreateAccessKey made is refused as unknown for its first uses. */
  readonly unsettledUses: number;
  readonly keys: Map<string, Keys>;
  userKeys(user: string): { accessKeyId: string; secretAccessKey: string; createDate: string }[];
  nextNumber(): number;
}

/** The user an access-key call acts on: UserName if given, else the calling IAM user. */
function subject(s: IamState, p: Record<string, string>, caller: Keys): string | Answer {
  if (p.UserName !== undefined) {
    const account = accountOf(caller.principal);
    return `arn:aws:iam::${account}:user/${p.UserName}`;
  }
  if (caller.user !== undefined || !s.rules.on('iam-user-implicit')) return caller.user ?? caller.principal;
  return refuse(400, 'ValidationError', 'Must specify userName when calling with non-User credentials');
}

/** IAM's access-key calls (ListAccessKeys, CreateAccessKey, DeleteAccessKey), with their limits. */
export function iamAction(s: IamState, p: Record<string, string>, caller: Keys): Answer {
  const action = p.Action ?? '';
  if (s.rules.on('federated-user-limits') && caller.kind === 'federated')
    return notAuthorized(caller.principal, `iam:${action}`, caller.principal);
  if (s.rules.on('session-token-iam-needs-mfa') && caller.kind === 'session-token' && !caller.mfa)
    return refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid');
  const user = subject(s, p, caller);
  if (typeof user !== 'string') return user;
  const name = nameOf(user);
  const mine = s.userKeys(user);
  if (action === 'ListAccessKeys') {
    const members = mine
      .map(
        (k) =>
          `<member><UserName>${name}</UserName><AccessKeyId>${k.accessKeyId}</AccessKeyId><Status>Active</Status><CreateDate>${k.createDate}</CreateDate></member>`,
      )
      .join('');
    return succeed(
      IAM_XMLNS,
      action,
      `<UserName>${name}</UserName><AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`,
    );
  }
  if (action === 'CreateAccessKey') {
    if (s.rules.on('access-key-quota') && mine.length >= 2)
      return refuse(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
    const accessKeyId = `AKIA${String(s.nextNumber()).padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const createDate = new Date().toISOString();
    s.keys.set(accessKeyId, {
      kind: 'user',
      secretAccessKey,
      principal: user,
      user,
      createDate,
      unsettled: s.unsettledUses,
    });
    return succeed(
      IAM_XMLNS,
      action,
      `<AccessKey><UserName>${name}</UserName><AccessKeyId>${accessKeyId}</AccessKeyId><Status>Active</Status><SecretAccessKey>${secretAccessKey}</SecretAccessKey><CreateDate>${createDate}</CreateDate></AccessKey>`,
    );
  }
  if (action === 'DeleteAccessKey') {
    const id = p.AccessKeyId ?? '';
    const held = s.keys.get(id);
    const ours = s.rules.on('own-keys-only') ? mine.some((k) => k.accessKeyId === id) : held?.kind === 'user';
    if (!ours) return refuse(404, 'NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
    s.keys.delete(id);
    return succeed(IAM_XMLNS, action, '');
  }
  return refuse(400, 'InvalidAction', `Could not find operation ${action}`);
}
