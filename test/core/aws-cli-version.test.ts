import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AWS_CLI_INSTALL_URL, awsCliV1Problem, parseAwsCliVersion } from '../../main/core/aws/aws-cli-version.ts';

describe('parseAwsCliVersion', () => {
  const cases: [string, string, ReturnType<typeof parseAwsCliVersion>][] = [
    [
      'v2 from Debian',
      'aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off\n',
      { major: 2, label: 'aws-cli/2.9.19' },
    ],
    [
      'v2 from the installer',
      'aws-cli/2.17.0 Python/3.11.8 Darwin/23.5.0 exe/x86_64\n',
      { major: 2, label: 'aws-cli/2.17.0' },
    ],
    [
      'v1 from pip',
      'aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44 botocore/1.43.11\n',
      { major: 1, label: 'aws-cli/1.45.11' },
    ],
    [
      'v1 on Python 2, printed to stderr and collected after an empty stdout',
      'aws-cli/1.16.300 Python/2.7.18 Linux/5.4.0 botocore/1.13.36\n',
      { major: 1, label: 'aws-cli/1.16.300' },
    ],
    [
      'a warning line before the version',
      'WARNING: deprecated Python\naws-cli/1.18.69 Python/3.6.9\n',
      { major: 1, label: 'aws-cli/1.18.69' },
    ],
    ['nothing', '', undefined],
    ['a shim without its Python', 'pyenv: aws: command not found\n', undefined],
    ['a name that only contains it', 'my-aws-cli/1.2.3\n', undefined],
  ];
  for (const [name, output, expected] of cases) it(name, () => assert.deepEqual(parseAwsCliVersion(output), expected));
});

describe('awsCliV1Problem', () => {
  const v1 = {
    path: '/root/.pyenv/shims/aws',
    output: 'aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44 botocore/1.43.11\n',
  };
  it('names the v1, why v2 is needed, and a v2 found elsewhere', () => {
    assert.equal(
      awsCliV1Problem(v1, '/usr/bin/aws'),
      "the AWS CLI first on PATH is v1 (aws-cli/1.45.11 at /root/.pyenv/shims/aws); tray-cred needs v2, since `aws configure export-credentials` and the `external` profiles' commands fail on v1: call /usr/bin/aws by its path, or put /usr/bin before /root/.pyenv/shims on PATH",
    );
  });
  it('says how to install v2 when there is none', () => {
    assert.match(
      awsCliV1Problem(v1, undefined)!,
      new RegExp(
        `: install v2 \\(${AWS_CLI_INSTALL_URL.replaceAll('.', '\\.')}\\) and put it before /root/\\.pyenv/shims on PATH$`,
      ),
    );
  });
  it('says nothing of v2, of no aws, or of an aws that prints no version', () => {
    assert.equal(
      awsCliV1Problem({ path: '/usr/bin/aws', output: 'aws-cli/2.9.19 Python/3.11.2\n' }, undefined),
      undefined,
    );
    assert.equal(awsCliV1Problem(undefined, undefined), undefined);
    assert.equal(awsCliV1Problem({ path: '/usr/bin/aws', output: '' }, undefined), undefined);
  });
});
