import type { StandInRule } from '../stand-in-rules.ts';

/**
 * What the STS and IAM stand-in refuses because AWS documents that it does, each with the page
 * that says so. test/node/sts-rules.test.ts holds a test per rule, and shows each fails with its
 * rule switched off.
 */
export const STS_RULES = {
  'known-key': {
    refuses: 'a key id it did not issue, or a session key sent without its own session token (InvalidClientTokenId)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html',
  },
  signature: {
    refuses: 'a SigV4 signature that the secret of the named key does not produce (SignatureDoesNotMatch)',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html',
  },
  'signing-region': {
    refuses:
      "a credential scope whose region is not the endpoint's (us-east-1 for IAM and the global STS endpoint): SignatureDoesNotMatch, Credential should be scoped to a valid region",
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html',
  },
  'clock-skew': {
    refuses:
      "a request whose X-Amz-Date is more than 5 minutes from AWS's clock (SignatureDoesNotMatch: Signature expired / not yet current)",
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html',
  },
  'expired-token': {
    refuses: 'temporary credentials past their expiration (ExpiredToken)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Errors',
  },
  'valid-parameters': {
    refuses:
      'a RoleArn that is not a role ARN, a RoleSessionName outside [\\w+=,.@-]{2,64}, a SerialNumber or TokenCode of the wrong form, DurationSeconds under 900 (ValidationError)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters',
  },
  'role-trust': {
    refuses:
      "AssumeRole by a principal the role's trust policy does not name (an account, a user, a role, an assumed-role session), or of a role that does not exist: the same AccessDenied for both",
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
  },
  'trust-external-id': {
    refuses: 'AssumeRole of a role whose trust policy requires sts:ExternalId, without that external id (AccessDenied)',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html',
  },
  'role-max-session': {
    refuses: "DurationSeconds over the role's MaxSessionDuration (3,600 s unless the role sets more; ValidationError)",
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html#id_roles_update-session-duration',
  },
  'chained-role-hour': {
    refuses:
      "DurationSeconds over 3,600 for a role assumed with another role's session (role chaining; ValidationError)",
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining',
  },
  'mfa-device': {
    refuses:
      "a SerialNumber that is not an MFA device of the calling user, or a TokenCode that is not that device's code (AccessDenied)",
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  },
  'session-token-from-long-term': {
    refuses: 'GetSessionToken called with temporary credentials (AccessDenied)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  },
  'federation-token-from-long-term': {
    refuses: 'GetFederationToken called with temporary credentials (AccessDenied)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html',
  },
  'federated-user-limits': {
    refuses:
      'any IAM call, and any STS call but GetCallerIdentity, made with GetFederationToken credentials (AssumeRole included; AccessDenied)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html',
  },
  'session-token-iam-needs-mfa': {
    refuses: 'an IAM call made with GetSessionToken credentials minted without MFA (InvalidClientTokenId)',
    doc: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html',
  },
  'iam-user-implicit': {
    refuses:
      'an access-key call without UserName from credentials that are not an IAM user (a role or federated session; ValidationError)',
    doc: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAccessKeys.html',
  },
  'own-keys-only': {
    refuses: "DeleteAccessKey of a key that is not the calling user's (NoSuchEntity)",
    doc: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteAccessKey.html',
  },
  'access-key-quota': {
    refuses: 'a third access key for one IAM user (LimitExceeded)',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
  },
  'signin-session': {
    refuses:
      'a console sign-in token for GetSessionToken credentials, or with SessionDuration for a federated user (HTTP 400)',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html',
  },
} as const satisfies Record<string, StandInRule>;

export type StsRule = keyof typeof STS_RULES;
