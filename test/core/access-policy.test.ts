import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, strictestPolicy, type PolicyInput } from '../../main/core/pipeline/access-policy.ts';
import type { ProfileRecord } from '../../main/core/profiles/profile.ts';

const record = (policy: ProfileRecord['policy']): ProfileRecord => ({ policy, rememberMinutes: 0 }) as ProfileRecord;

describe('strictestPolicy', () => {
  const profiles = { role: record('allow'), mid: record('ask'), base: record('deny'), open: record('allow') };
  it('takes the strictest policy along the chain and names where it comes from', () => {
    assert.deepEqual(strictestPolicy('role', profiles, ['role', 'mid', 'base']), { policy: 'deny', from: 'base' });
    assert.deepEqual(strictestPolicy('role', profiles, ['role', 'mid']), { policy: 'ask', from: 'mid' });
    assert.deepEqual(strictestPolicy('open', profiles, ['open']), { policy: 'allow', from: 'open' });
  });
  it('treats a profile it cannot find as deny, and ignores a missing source', () => {
    assert.deepEqual(strictestPolicy('gone', profiles, ['gone']), { policy: 'deny', from: 'gone' });
    assert.deepEqual(strictestPolicy('open', profiles, ['open', 'missing']), { policy: 'allow', from: 'open' });
  });
});

describe('judge', () => {
  const base: PolicyInput = {
    name: 'prod',
    effective: { policy: 'ask', from: 'prod' },
    mfaSerial: undefined,
    granted: false,
    unlockedByPrompt: false,
  };
  const cases: { what: string; input: Partial<PolicyInput>; expect: ReturnType<typeof judge> }[] = [
    { what: 'ask asks', input: {}, expect: { kind: 'ask' } },
    {
      what: 'allow allows',
      input: { effective: { policy: 'allow', from: 'prod' } },
      expect: { kind: 'decided', decision: 'allowed' },
    },
    {
      what: 'a running grant is remembered',
      input: { granted: true },
      expect: { kind: 'decided', decision: 'remembered' },
    },
    {
      what: 'deny denies, naming the profile',
      input: { effective: { policy: 'deny', from: 'prod' } },
      expect: { kind: 'decided', decision: 'denied', reason: 'the profile policy is deny' },
    },
    {
      what: 'deny of a source names the source',
      input: { effective: { policy: 'deny', from: 'base' } },
      expect: { kind: 'decided', decision: 'denied', reason: 'the policy of its source profile "base" is deny' },
    },
    {
      what: 'deny wins over a grant and the unlock prompt',
      input: { effective: { policy: 'deny', from: 'prod' }, granted: true, unlockedByPrompt: true },
      expect: { kind: 'decided', decision: 'denied', reason: 'the profile policy is deny' },
    },
    {
      what: 'an MFA code is needed even when allowed',
      input: { effective: { policy: 'allow', from: 'prod' }, mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' },
      expect: { kind: 'ask' },
    },
    {
      what: 'an MFA code is needed even with a grant',
      input: { granted: true, mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' },
      expect: { kind: 'ask' },
    },
    {
      what: 'an MFA code is needed even after the unlock prompt',
      input: { unlockedByPrompt: true, mfaSerial: 'arn:aws:iam::123456789012:mfa/ann' },
      expect: { kind: 'ask' },
    },
    {
      what: 'the unlock prompt approves an ask profile',
      input: { unlockedByPrompt: true },
      expect: { kind: 'decided', decision: 'approved', reason: 'approved at the unlock prompt' },
    },
    {
      what: 'the unlock prompt is a person approving even an allow profile',
      input: { unlockedByPrompt: true, effective: { policy: 'allow', from: 'prod' } },
      expect: { kind: 'decided', decision: 'approved', reason: 'approved at the unlock prompt' },
    },
  ];
  for (const c of cases) it(c.what, () => assert.deepEqual(judge({ ...base, ...c.input }), c.expect));
});
