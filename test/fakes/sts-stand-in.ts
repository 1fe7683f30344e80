import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuleSwitch } from './stand-in-rules.ts';
import { type Answer, refuse } from './sts/answers.ts';
import { iamAction, type IamState } from './sts/iam-actions.ts';
import type { Keys, Role } from './sts/principals.ts';
import type { StsRule } from './sts/rules.ts';
import { signin, type SignIn } from './sts/signin.ts';
import { amzDate, signatureMatches, signedBy } from './sts/sigv4.ts';
import { type Minted, stsAction, type StsState } from './sts/sts-actions.ts';

export { STS_RULES, type StsRule } from './sts/rules.ts';

/** What a test's hook may do to a request: let it pass, or drop the connection unanswered ('before': not applied; 'after': applied). */
export type StandInHook = (
  action: string,
  phase: 'before' | 'after',
) => Promise<'drop' | undefined> | 'drop' | undefined;

export interface StsRequestLog {
  action: string;
  accessKeyId: string;
  principal: string;
  params: Record<string, string>;
}

/** SigV4's window: a request signed more than this far from AWS's clock is refused. */
const SKEW_MS = 5 * 60_000;

/**
 * A stand-in for AWS STS and IAM's access-key calls on loopback, for end-to-end tests. It speaks
 * the awsQuery protocol the SDKs use, checks every request's SigV4 signature, region and time
 * against the keys it knows (the test's IAM users and the sessions it minted), and refuses what
 * AWS documents it refuses: the rules of sts/rules.ts (STS_RULES), each with its page. Roles and
 * MFA devices exist only when a test adds them, as in IAM.
 */
export class StsStandIn implements StsState, IamState {
  readonly requests: StsRequestLog[] = [];
  /** Each sign-in token the federation endpoint gave out, and for whom. */
  readonly signins: SignIn[] = [];
  readonly rules = new RuleSwitch<StsRule>();
  readonly roles = new Map<string, Role>();
  readonly mfaDevices = new Map<string, { code: string; user: string }>();
  readonly keys = new Map<string, Keys>();
  /** The region of the STS endpoint it stands in for (IAM is global: us-east-1). */
  region = 'us-east-1';
  /** How far the stand-in's clock is from this machine's (a client with a wrong clock). */
  clockOffsetMs = 0;
  /** IAM's eventual consistency: a key CreateAccessKey made is refused as unknown for its first uses. */
  unsettledUses = 2;
  /** Called for every signed request (kill a client in the middle of its work). */
  hook: StandInHook | undefined;
  private server: Server | undefined;
  private n = 0;

  /** Registers an IAM user's long-term keys; returns the user's ARN. */
  addUser(
    accessKeyId: string,
    secretAccessKey: string,
    principal = `arn:aws:iam::123456789012:user/${accessKeyId}`,
  ): string {
    this.keys.set(accessKeyId, {
      kind: 'user',
      secretAccessKey,
      principal,
      user: principal,
      createDate: new Date(Date.now() - 400 * 86_400_000).toISOString(),
    });
    return principal;
  }

  /** Creates a role whose trust policy names `trust` (see principals.ts for the forms). */
  addRole(roleArn: string, trust: string[], options: { maxSessionSeconds?: number; externalId?: string } = {}): void {
    this.roles.set(roleArn, {
      trust,
      maxSessionSeconds: options.maxSessionSeconds ?? 3600,
      externalId: options.externalId,
    });
  }

  /** Assigns the virtual MFA device `serial` to the user `userArn`; `code` is the code it shows. */
  addMfaDevice(serial: string, userArn: string, code: string): void {
    this.mfaDevices.set(serial, { code, user: userArn });
  }

  /** The IAM user's access keys (its ARN), as IAM holds them. */
  userKeys(user: string): { accessKeyId: string; secretAccessKey: string; createDate: string }[] {
    return [...this.keys]
      .filter(([, k]) => k.kind === 'user' && k.user === user)
      .map(([accessKeyId, k]) => ({ accessKeyId, secretAccessKey: k.secretAccessKey, createDate: k.createDate! }));
  }

  /** Registers role session credentials minted elsewhere (a profile's stored session keys), good until `expiresAt`. */
  addSession(accessKeyId: string, secretAccessKey: string, sessionToken: string, expiresAt: number): void {
    this.keys.set(accessKeyId, {
      kind: 'role-session',
      secretAccessKey,
      sessionToken,
      expiresAt,
      principal: `arn:aws:sts::123456789012:assumed-role/Stored/${accessKeyId}`,
    });
  }

  /** Makes every session key minted so far count as expired. */
  expireSessions(): void {
    for (const k of this.keys.values()) if (k.sessionToken) k.expiresAt = 0;
  }

  nextNumber(): number {
    this.n += 1;
    return this.n;
  }

  mint(seconds: number, who: Omit<Keys, 'secretAccessKey' | 'sessionToken' | 'expiresAt'>): Minted {
    const accessKeyId = `ASIA${String(this.nextNumber()).padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = `FwoGZXIvYXdz${randomBytes(48).toString('base64')}`;
    const expiresAt = Date.now() + seconds * 1000;
    this.keys.set(accessKeyId, { ...who, secretAccessKey, sessionToken, expiresAt });
    return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(expiresAt).toISOString() };
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the stand-in is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      // AWS's clock, which the SDKs read to correct their own skew.
      const date = new Date(Date.now() + this.clockOffsetMs).toUTCString();
      if (req.method === 'GET' && req.url?.startsWith('/federation?')) {
        const answer = signin(new URL(req.url, 'http://stand-in').searchParams, this.keys, this.rules);
        if (answer.issued) this.signins.push(answer.issued);
        res.writeHead(answer.status, { 'content-type': 'application/json', date });
        res.end(answer.body);
        return;
      }
      void this.handle(req).then((answer) => {
        if (answer === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID(), date });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Who signed the request, or why AWS would refuse it before reading the action. */
  private async authenticate(req: IncomingMessage, body: string): Promise<Keys | Answer> {
    const by = signedBy(req);
    if (!by) return refuse(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const keys = this.keys.get(by.accessKeyId);
    const invalid = refuse(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (!keys && this.rules.on('known-key')) return invalid;
    const expected = by.service === 'iam' ? 'us-east-1' : this.region;
    if (this.rules.on('signing-region') && by.region !== expected)
      return refuse(
        403,
        'SignatureDoesNotMatch',
        `Credential should be scoped to a valid region, not '${by.region}'. `,
      );
    const now = Date.now() + this.clockOffsetMs;
    const at = by.signedAt.getTime();
    if (this.rules.on('clock-skew') && !(Math.abs(at - now) <= SKEW_MS)) {
      const [sign, bound] = at < now ? ['-', now - SKEW_MS] : ['+', now + SKEW_MS];
      const verb =
        at < now ? 'Signature expired: %s is now earlier than' : 'Signature not yet current: %s is still later than';
      return refuse(
        403,
        'SignatureDoesNotMatch',
        `${verb.replace('%s', amzDate(at))} ${amzDate(bound)} (${amzDate(now)} ${sign} 5 min.)`,
      );
    }
    if (!keys)
      return { kind: 'user', secretAccessKey: '', principal: `arn:aws:iam::123456789012:user/${by.accessKeyId}` };
    if (this.rules.on('signature') && !(await signatureMatches(req, body, by, keys)))
      return refuse(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    if (keys.sessionToken && req.headers['x-amz-security-token'] !== keys.sessionToken && this.rules.on('known-key'))
      return invalid;
    if (this.rules.on('expired-token') && keys.expiresAt !== undefined && keys.expiresAt <= Date.now())
      return refuse(403, 'ExpiredToken', 'The security token included in the request is expired');
    if (keys.unsettled) {
      keys.unsettled -= 1;
      return invalid;
    }
    return keys;
  }

  private async handle(req: IncomingMessage): Promise<Answer | 'drop'> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const caller = await this.authenticate(req, body);
    if ('status' in caller) return caller;
    const params = Object.fromEntries(new URLSearchParams(body));
    const accessKeyId = signedBy(req)!.accessKeyId;
    this.requests.push({ action: params.Action ?? '', accessKeyId, principal: caller.principal, params });
    if ((await this.hook?.(params.Action ?? '', 'before')) === 'drop') return 'drop';
    const answer = signedBy(req)!.service === 'iam' ? iamAction(this, params, caller) : stsAction(this, params, caller);
    if ((await this.hook?.(params.Action ?? '', 'after')) === 'drop') return 'drop';
    return answer;
  }
}
