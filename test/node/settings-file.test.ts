/**
 * settings.json through conf: the schema is checked against JSON Schema's meta-schema here,
 * once, instead of at every start (SETTINGS_VALIDATOR_OPTIONS), and every write and read is
 * still validated against it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Conf from 'conf';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMA, type Settings } from '../../main/core/settings.ts';
import { openSettings } from '../../main/node/platform/settings-file.ts';

describe('settings.json through conf', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-settings-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** conf with Ajv's defaults, which check the schema against the meta-schema before compiling it. */
  const checked = (schema: object, name: string) =>
    new Conf({
      cwd: dir,
      configName: name,
      schema: schema as typeof SETTINGS_SCHEMA,
      defaults: { ...SETTINGS_DEFAULTS },
    });

  it('the schema is valid JSON Schema (the check the agent no longer makes at every start)', () => {
    assert.doesNotThrow(() => checked(SETTINGS_SCHEMA, 'meta-ok'));
    // The check can fail: a schema with a type JSON Schema does not have is refused.
    const broken = { ...SETTINGS_SCHEMA, touchId: { type: 'yes-or-no' } };
    assert.throws(() => checked(broken, 'meta-broken'), /schema is invalid|must be equal to one of the allowed values/);
  });

  it('writes and reads are still validated: a bad value is refused, a hand-edited file fails with the key named', async () => {
    const settings = openSettings(dir);
    assert.equal(settings.get('approvalTimeoutSeconds'), SETTINGS_DEFAULTS.approvalTimeoutSeconds);
    assert.throws(
      () => settings.set('idleLockMinutes', 7 as Settings['idleLockMinutes']),
      /Config schema violation: .*idleLockMinutes/,
    );
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ approvalTimeoutSeconds: 1 }));
    assert.throws(
      () => openSettings(dir).get('approvalTimeoutSeconds'),
      /Config schema violation: .*approvalTimeoutSeconds/,
    );
  });
});
