/**
 * The profiles form checks with the same rules main applies (both import common/): for any name
 * and any remember time, the form and main agree on what is acceptable; for the keys, the form,
 * the IPC schema and the core agree (trim, then check: common/credentials.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SECRET_ACCESS_KEY, MAX_SESSION_TOKEN, type CredentialField } from '../../common/credentials.ts';
import { PAYLOADS } from '../../main/electron/ipc-schemas.ts';
import { checkCredentials, checkProfileName, checkRememberMinutes } from '../../main/core/profiles/profile.ts';
import { CHANNELS, type ProfileInput } from '../../preload/api.ts';
import { rememberError, validateProfileInput } from '../../renderer/profile-validation.ts';

const accepts = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

const input = (name: string, rememberMinutes: number) => ({
  name,
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  policy: 'ask' as const,
  rememberMinutes,
  notify: false,
  replace: false,
});

test('the profiles form accepts exactly the profile names main accepts', () => {
  // The reserved name every time, not only when the random strings happen on it (a seed found it once).
  const names = fc.oneof(
    fc.constant('__proto__'),
    fc.string({ maxLength: 140 }),
    fc.stringMatching(/^[A-Za-z0-9_.+=,@:-]{1,130}$/),
  );
  fc.assert(
    fc.property(names, (name) => {
      assert.equal(
        validateProfileInput(input(name, 0)).name === undefined,
        accepts(() => checkProfileName(name)),
        `name ${JSON.stringify(name)}`,
      );
    }),
  );
});

test('the profiles form accepts exactly the remember times main accepts', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double()), (minutes) => {
      assert.equal(
        rememberError(minutes) === undefined,
        accepts(() => checkRememberMinutes(minutes)),
        `minutes ${minutes}`,
      );
    }),
  );
});

const KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** Whether the form, the IPC schema and the core each accept `value` as `field`, the other fields being good. */
function verdicts(field: CredentialField, value: string | undefined): { form: boolean; ipc: boolean; core: boolean } {
  const keys = { ...KEYS, [field]: value };
  const sent: ProfileInput = { ...input('dev', 0), ...keys };
  if (sent.sessionToken === undefined) delete sent.sessionToken;
  return {
    form: validateProfileInput(sent)[field] === undefined,
    ipc: PAYLOADS[CHANNELS.profilesSave].safeParse([sent]).success,
    core: accepts(() =>
      checkCredentials('dev', keys as { accessKeyId: string; secretAccessKey: string; sessionToken?: string }),
    ),
  };
}

const AKID = 'AKIA' + 'A1'.repeat(6);
const CASES: [CredentialField, string | undefined, boolean][] = [
  ['accessKeyId', KEYS.accessKeyId, true],
  ['accessKeyId', ` ${KEYS.accessKeyId}  `, true],
  ['accessKeyId', `\t${KEYS.accessKeyId}\n`, true],
  ['accessKeyId', AKID, true],
  ['accessKeyId', AKID.slice(1), false],
  ['accessKeyId', 'A'.repeat(128), true],
  ['accessKeyId', ` ${'A'.repeat(128)} `, true],
  ['accessKeyId', 'A'.repeat(129), false],
  ['accessKeyId', '', false],
  ['accessKeyId', '   ', false],
  ['accessKeyId', 'AKIAIOSF ODNN7EXAMPLE', false],
  ['accessKeyId', 'akiaiosfodnn7example', false],
  ['secretAccessKey', ` ${KEYS.secretAccessKey}\n`, true],
  ['secretAccessKey', 'k'.repeat(MAX_SECRET_ACCESS_KEY), true],
  ['secretAccessKey', ` ${'k'.repeat(MAX_SECRET_ACCESS_KEY)}  `, true],
  ['secretAccessKey', 'k'.repeat(MAX_SECRET_ACCESS_KEY + 1), false],
  ['secretAccessKey', '', false],
  ['secretAccessKey', ' \t ', false],
  ['secretAccessKey', 'wJalrXUtnFEMI K7MDENG', false],
  ['sessionToken', undefined, true],
  ['sessionToken', '', true],
  ['sessionToken', '   ', true],
  ['sessionToken', ' IQoJb3JpZ2luX2Vj ', true],
  ['sessionToken', 't'.repeat(MAX_SESSION_TOKEN), true],
  ['sessionToken', `${'t'.repeat(MAX_SESSION_TOKEN)}\n`, true],
  ['sessionToken', 't'.repeat(MAX_SESSION_TOKEN + 1), false],
  ['sessionToken', 'IQoJb3JpZ2lu X2Vj', false],
];

test('the profiles form, the IPC schema and the core accept and refuse the same keys: trimmed, then checked', () => {
  for (const [field, value, ok] of CASES) {
    const what = `${field} ${JSON.stringify(value)?.slice(0, 40)} (${value?.length ?? 'absent'} characters)`;
    assert.deepEqual(verdicts(field, value), { form: ok, ipc: ok, core: ok }, what);
  }
});

test('for any key field value, the form, the IPC schema and the core agree', () => {
  const char = fc.constantFrom('A', '7', 'k', '/', ' ', '\t', '\n');
  const around = (limit: number) =>
    fc.tuple(
      fc.string({ unit: fc.constantFrom(' ', '\n'), maxLength: 3 }),
      fc.integer({ min: limit - 2, max: limit + 2 }),
      char,
      fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 }),
    );
  const values: fc.Arbitrary<[CredentialField, string]> = fc.oneof(
    fc.tuple(
      fc.constantFrom<CredentialField>('accessKeyId', 'secretAccessKey', 'sessionToken'),
      fc.string({ unit: char, maxLength: 40 }),
    ),
    fc.tuple(
      fc.constant<CredentialField>('accessKeyId'),
      around(128).map(([a, n, c, b]) => a + 'A'.repeat(n - 1) + c + b),
    ),
    fc.tuple(
      fc.constant<CredentialField>('secretAccessKey'),
      around(MAX_SECRET_ACCESS_KEY).map(([a, n, c, b]) => a + 'k'.repeat(n - 1) + c + b),
    ),
    fc.tuple(
      fc.constant<CredentialField>('sessionToken'),
      around(MAX_SESSION_TOKEN).map(([a, n, c, b]) => a + 't'.repeat(n - 1) + c + b),
    ),
  );
  fc.assert(
    fc.property(values, ([field, value]) => {
      const v = verdicts(field, value);
      assert.ok(
        v.form === v.core && v.ipc === v.core,
        `${field} ${JSON.stringify(value.slice(0, 40))} (${value.length} characters): ${JSON.stringify(v)}`,
      );
    }),
  );
});
