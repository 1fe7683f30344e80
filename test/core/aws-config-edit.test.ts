import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  configProfiles,
  helperIn,
  isHelperFor,
  profilesWithSecrets,
  removeSections,
  setCredentialProcess,
  unsetCredentialProcess,
} from '../../main/core/aws/aws-config-edit.ts';

const helper = (p: string): string => `tray-cred-helper ${p}`;

/**
 * Real-world config shapes. `expect` is the whole file after the edit: only the intended lines
 * differ, byte for byte.
 */
const corpus: { name: string; before: string; profiles: string[]; expect: string }[] = [
  {
    name: 'the recipe, replacing its script',
    before:
      "[profile dev]\nregion = us-west-2\ncli_pager =\ncredential_process = sh -c '$HOME/.aws/get_creds.sh dev'\n\n[profile prod]\nregion = us-east-1\n",
    profiles: ['dev', 'prod'],
    expect:
      '[profile dev]\nregion = us-west-2\ncli_pager =\ncredential_process = tray-cred-helper dev\n\n[profile prod]\nregion = us-east-1\ncredential_process = tray-cred-helper prod\n',
  },
  {
    name: 'comments, [default], sso-session and services sections',
    before:
      '# managed by hand\n[default]\nregion = eu-west-1 ; trailing\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n[services local]\ns3 =\n  endpoint_url = http://localhost:4566\n[profile   dev  ]\n# keep me\noutput = json\n\n; end\n',
    profiles: ['default', 'dev'],
    expect:
      '# managed by hand\n[default]\nregion = eu-west-1 ; trailing\ncredential_process = tray-cred-helper default\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n[services local]\ns3 =\n  endpoint_url = http://localhost:4566\n[profile   dev  ]\n# keep me\noutput = json\ncredential_process = tray-cred-helper dev\n\n; end\n',
  },
  {
    name: 'CRLF line endings and no final newline',
    before: '[profile dev]\r\nregion = us-east-1\r\ns3 =\r\n  max_concurrent_requests = 20',
    profiles: ['dev', 'new'],
    expect:
      '[profile dev]\r\nregion = us-east-1\r\ns3 =\r\n  max_concurrent_requests = 20\r\ncredential_process = tray-cred-helper dev\r\n\r\n[profile new]\r\ncredential_process = tray-cred-helper new\r\n',
  },
  {
    name: 'duplicate keys and a duplicate section: every occurrence points at the helper',
    before: '[profile dev]\ncredential_process=a\ncredential_process = b\n[profile x]\n[profile dev]\nregion=1\n',
    profiles: ['dev'],
    expect:
      '[profile dev]\ncredential_process = tray-cred-helper dev\ncredential_process = tray-cred-helper dev\n[profile x]\n[profile dev]\nregion=1\n',
  },
  {
    name: 'an indented credential_process is a nested value, not the key',
    before: '[profile dev]\nfoo =\n  credential_process = nested\n',
    profiles: ['dev'],
    expect: '[profile dev]\nfoo =\n  credential_process = nested\ncredential_process = tray-cred-helper dev\n',
  },
  {
    name: 'an empty file',
    before: '',
    profiles: ['default'],
    expect: '[default]\ncredential_process = tray-cred-helper default\n',
  },
];

describe('setCredentialProcess', () => {
  for (const c of corpus) {
    it(c.name, () => {
      const r = setCredentialProcess(c.before, c.profiles, helper);
      assert.equal(r.text, c.expect);
      assert.deepEqual(r.changed, c.profiles);
      const again = setCredentialProcess(r.text, c.profiles, helper);
      assert.equal(again.text, r.text, 'a second run changes nothing');
      assert.deepEqual(again.unchanged, c.profiles);
      for (const p of c.profiles) assert.equal(configProfiles(r.text).get(p), helper(p));
    });
  }
});

describe('removeSections and profilesWithSecrets', () => {
  const creds =
    '# work\n[dev]\naws_access_key_id = A\naws_secret_access_key = B\n\n# prod keys below\n[prod]\naws_access_key_id = C\naws_secret_access_key = D\n[region-only]\nregion = x\n';
  it('removes only the named sections and keeps the comments of the next', () => {
    const r = removeSections(creds, ['dev'], 'credentials');
    assert.equal(
      r.text,
      '# work\n# prod keys below\n[prod]\naws_access_key_id = C\naws_secret_access_key = D\n[region-only]\nregion = x\n',
    );
    assert.deepEqual([r.removed, r.empty], [['dev'], false]);
  });
  it('says when nothing is left', () => {
    const r = removeSections(creds, ['dev', 'prod', 'region-only'], 'credentials');
    assert.deepEqual([r.text, r.empty], ['# work\n', true]);
  });
  it('finds plaintext secrets in either file', () => {
    assert.deepEqual(profilesWithSecrets(creds, 'credentials'), ['dev', 'prod']);
    assert.deepEqual(
      profilesWithSecrets('[profile a]\naws_secret_access_key=x\n[b]\naws_secret_access_key=y\n', 'config'),
      ['a'],
    );
  });
});

describe("unsetCredentialProcess: only tray-cred's own line for the named profile goes, every other byte stays", () => {
  const cases: { name: string; before: string; profiles: string[]; expect: string; removed: string[] }[] = [
    {
      name: 'the line configure-aws wrote, among comments and nested keys',
      before:
        '# mine\n[profile dev]\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 20\ncredential_process = tray-cred-helper dev\n# keep\n\n[profile prod]\ncredential_process = tray-cred-helper prod\n',
      profiles: ['dev'],
      expect:
        '# mine\n[profile dev]\nregion = us-west-2\ns3 =\n  max_concurrent_requests = 20\n# keep\n\n[profile prod]\ncredential_process = tray-cred-helper prod\n',
      removed: ['dev'],
    },
    {
      name: 'odd spacing, CRLF, no final newline, [default]',
      before: '[default]\r\nregion = eu-west-1\r\ncredential_process=tray-cred-helper   default  ',
      profiles: ['default'],
      expect: '[default]\r\nregion = eu-west-1\r\n',
      removed: ['default'],
    },
    {
      name: "a command that is not tray-cred's, or names another profile, or has more arguments, stays",
      before:
        "[profile dev]\ncredential_process = sh -c 'tray-cred-helper dev'\n[profile ops]\ncredential_process = tray-cred-helper dev\n[profile qa]\ncredential_process = tray-cred-helper qa --debug\n  credential_process = tray-cred-helper qa\n",
      profiles: ['dev', 'ops', 'qa'],
      expect:
        "[profile dev]\ncredential_process = sh -c 'tray-cred-helper dev'\n[profile ops]\ncredential_process = tray-cred-helper dev\n[profile qa]\ncredential_process = tray-cred-helper qa --debug\n  credential_process = tray-cred-helper qa\n",
      removed: [],
    },
    {
      name: 'a profile in two sections, and a [dev] section of another kind that is not the profile',
      before:
        '[sso-session dev]\ncredential_process = tray-cred-helper dev\n[profile dev]\ncredential_process = tray-cred-helper dev\n[profile dev]\nregion = x\ncredential_process = tray-cred-helper dev\n',
      profiles: ['dev', 'absent'],
      expect:
        '[sso-session dev]\ncredential_process = tray-cred-helper dev\n[profile dev]\n[profile dev]\nregion = x\n',
      removed: ['dev'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = unsetCredentialProcess(c.before, c.profiles);
      assert.equal(r.text, c.expect);
      assert.deepEqual(r.removed, c.removed);
    });
  }
  it('isHelperFor matches the command word for word, by name or by the full path setup writes', () => {
    assert.deepEqual(
      [
        ' tray-cred-helper dev ',
        'tray-cred-helper devx',
        'tray-cred-helper',
        '/usr/bin/tray-cred-helper dev',
        '/usr/bin/tray-cred-helper dev x',
        undefined,
      ].map((v) => isHelperFor(v, 'dev')),
      [true, false, false, true, false, false],
    );
  });
});

describe('helperIn', () => {
  const cases: [string | undefined, ReturnType<typeof helperIn>][] = [
    ['tray-cred-helper dev', { profile: 'dev', byName: true }],
    ['  tray-cred-helper   prod ', { profile: 'prod', byName: true }],
    ['/home/ann/.local/bin/tray-cred-helper dev', { profile: 'dev', byName: false }],
    ['tray-cred-helper', { profile: undefined, byName: true }],
    ['/usr/bin/not-tray-cred-helper dev', undefined],
    ['relative/tray-cred-helper dev', undefined],
    ["sh -c '$HOME/.aws/get_creds.sh dev'", undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of cases)
    it(`reads ${JSON.stringify(value)}`, () => assert.deepEqual(helperIn(value), expected));
  it('isHelperFor takes the full-path form too, for exactly its profile', () => {
    assert.equal(isHelperFor('/home/ann/.local/bin/tray-cred-helper dev', 'dev'), true);
    assert.equal(isHelperFor('/home/ann/.local/bin/tray-cred-helper dev', 'prod'), false);
  });
});

// botocore lowercases keys (ConfigParser) and refuses a file whose section has a key twice.
describe('keys in any case, as botocore reads them', () => {
  it('replaces Credential_Process rather than adding a second credential_process', () => {
    const before = '[profile dev]\nregion = eu-west-1\nCredential_Process = old-tool dev\n';
    const edit = setCredentialProcess(before, ['dev'], helper);
    assert.equal(edit.text, '[profile dev]\nregion = eu-west-1\ncredential_process = tray-cred-helper dev\n');
    assert.deepEqual(edit.changed, ['dev']);
  });

  it('sees CREDENTIAL_PROCESS as the line it is, and takes out only its own', () => {
    const text =
      '[profile dev]\nCREDENTIAL_PROCESS = tray-cred-helper dev\n[profile ops]\nCredential_Process = other-tool\n';
    assert.deepEqual(
      [...configProfiles(text)],
      [
        ['dev', 'tray-cred-helper dev'],
        ['ops', 'other-tool'],
      ],
    );
    assert.deepEqual(setCredentialProcess(text, ['dev'], helper).unchanged, []);
    assert.deepEqual(unsetCredentialProcess(text, ['dev', 'ops']), {
      text: '[profile dev]\n[profile ops]\nCredential_Process = other-tool\n',
      removed: ['dev'],
    });
  });

  it('finds AWS_Secret_Access_Key as a plaintext secret', () => {
    assert.deepEqual(
      profilesWithSecrets(
        '[dev]\nAWS_Access_Key_Id = AKIAIOSFODNN7EXAMPLE\nAWS_Secret_Access_Key = x\n',
        'credentials',
      ),
      ['dev'],
    );
  });
});
