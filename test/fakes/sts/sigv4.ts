import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape @smithy/signature-v4 wants. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** What the Authorization header of a SigV4 request names. */
export interface SignedBy {
  accessKeyId: string;
  region: string;
  service: 'sts' | 'iam';
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date, as a time. */
  signedAt: Date;
}

export function signedBy(req: IncomingMessage): SignedBy | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/(sts|iam)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      String(req.headers.authorization ?? ''),
    );
  if (!m) return undefined;
  const d = String(req.headers['x-amz-date'] ?? '');
  return {
    accessKeyId: m[1]!,
    region: m[3]!,
    service: m[4] as 'sts' | 'iam',
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
    signedAt: new Date(
      `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
    ),
  };
}

/** Whether the request's signature is the one the secret produces over what the client signed. */
export async function signatureMatches(
  req: IncomingMessage,
  body: string,
  by: SignedBy,
  credentials: { secretAccessKey: string; sessionToken?: string | undefined },
): Promise<boolean> {
  const headers: Record<string, string> = {};
  for (const h of by.signedHeaders) headers[h] = String(req.headers[h] ?? '');
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const request = new HttpRequest({
    method: req.method ?? 'POST',
    protocol: 'http:',
    hostname: headers.host?.split(':')[0] ?? '127.0.0.1',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  });
  const signer = new SignatureV4({
    service: by.service,
    region: by.region,
    // Sign exactly the headers the client signed: botocore sends no x-amz-content-sha256.
    applyChecksum: false,
    credentials: {
      accessKeyId: by.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: NodeSha256,
  });
  const expected = await signer.sign(request, { signingDate: by.signedAt });
  return /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] === by.signature;
}

/** SigV4's basic-format time, as AWS writes it in its messages: 20261208T031500Z. */
export const amzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
