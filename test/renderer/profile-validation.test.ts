/**
 * The profiles form keeps copies of main's rules (a sandboxed page may not import
 * helper/protocol.ts or the core): this fails when a rule changes on one side only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROFILE_NAME } from '../../helper/protocol.ts';
import { MAX_REMEMBER_MINUTES } from '../../main/core/profile.ts';
import * as page from '../../renderer/profile-validation.ts';

test("the profiles form's copies of main's rules are the same as main's", () => {
  assert.equal(page.PROFILE_NAME.source, PROFILE_NAME.source);
  assert.equal(page.PROFILE_NAME.flags, PROFILE_NAME.flags);
  assert.equal(page.MAX_REMEMBER_MINUTES, MAX_REMEMBER_MINUTES);
});
