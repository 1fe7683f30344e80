/**
 * The credential_process document, exactly as the AWS CLI and SDKs read it, and its validator:
 * the helper checks what the agent sends before printing it, and the agent checks what an
 * external credential command prints. This file imports nothing.
 */
import { MAX_SECRET_ACCESS_KEY, MAX_SESSION_TOKEN } from './credentials.ts';
import { ACCESS_KEY_ID } from './names.ts';

/** The credential_process JSON document. */
export interface CredentialProcessDocument {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  /** ISO 8601; omitted for long-term keys. */
  Expiration?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.length <= max;

/** The document, validated and copied field by field; `undefined` when `value` is not one. */
export function toCredentialProcessDocument(value: unknown): CredentialProcessDocument | undefined {
  if (
    !isObject(value) ||
    value.Version !== 1 ||
    typeof value.AccessKeyId !== 'string' ||
    !ACCESS_KEY_ID.test(value.AccessKeyId) ||
    !isText(value.SecretAccessKey, MAX_SECRET_ACCESS_KEY) ||
    value.SecretAccessKey.length === 0 ||
    (value.SessionToken !== undefined && !isText(value.SessionToken, MAX_SESSION_TOKEN)) ||
    (value.Expiration !== undefined &&
      (typeof value.Expiration !== 'string' || Number.isNaN(Date.parse(value.Expiration))))
  ) {
    return undefined;
  }
  const doc: CredentialProcessDocument = {
    Version: 1,
    AccessKeyId: value.AccessKeyId,
    SecretAccessKey: value.SecretAccessKey,
  };
  if (value.SessionToken !== undefined) doc.SessionToken = value.SessionToken;
  if (typeof value.Expiration === 'string') doc.Expiration = value.Expiration;
  return doc;
}
