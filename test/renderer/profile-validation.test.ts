/**
 * The profiles form checks with the same rules main applies (both import common/): for any name
 * and any remember time, the form and main agree on what is acceptable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkProfileName, checkRememberMinutes } from '../../main/core/profiles/profile.ts';
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
  const names = fc.oneof(fc.constant('__proto__'), fc.string({ maxLength: 140 }), fc.stringMatching(/^[A-Za-z0-9_.+=,@:-]{1,130}$/));
  fc.assert(
    fc.property(names, (name) => {
      assert.equal(validateProfileInput(input(name, 0)).name === undefined, accepts(() => checkProfileName(name)), `name ${JSON.stringify(name)}`);
    }),
  );
});

test('the profiles form accepts exactly the remember times main accepts', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double()), (minutes) => {
      assert.equal(rememberError(minutes) === undefined, accepts(() => checkRememberMinutes(minutes)), `minutes ${minutes}`);
    }),
  );
});
