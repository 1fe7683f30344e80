/**
 * Which AWS CLI a user's PATH finds first, read from `aws --version`. tray-cred needs v2: v1 has
 * no `aws configure export-credentials`, and the `external` profiles' examples run v2 commands.
 */
import { dirname } from 'node:path';

/** One `aws` executable and what its `--version` printed (stdout and stderr: v1 on Python 2 wrote to stderr). */
export interface AwsCliProbe {
  path: string;
  output: string;
}

export interface AwsCliVersion {
  major: number;
  /** As printed, e.g. `aws-cli/1.45.11`. */
  label: string;
}

/** Parses `aws-cli/<major>.<minor>...` from `aws --version`; undefined when it is not there. */
export function parseAwsCliVersion(output: string): AwsCliVersion | undefined {
  const m = /(?:^|\s)aws-cli\/(\d+)\.(\d+)(?:\.(\d+))?(?=\s|$)/.exec(output);
  if (!m) return undefined;
  return { major: Number(m[1]), label: m[0].trim() };
}

export const AWS_CLI_INSTALL_URL = 'https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html';

/**
 * One line when the first `aws` on PATH is v1, naming it and the fix: a v2 found elsewhere, or
 * how to install one. Undefined when the first `aws` is not v1 (or there is none).
 */
export function awsCliV1Problem(first: AwsCliProbe | undefined, v2Elsewhere: string | undefined): string | undefined {
  const version = first && parseAwsCliVersion(first.output);
  if (!first || !version || version.major !== 1) return undefined;
  const fix = v2Elsewhere
    ? `call ${v2Elsewhere} by its path, or put ${dirname(v2Elsewhere)} before ${dirname(first.path)} on PATH`
    : `install v2 (${AWS_CLI_INSTALL_URL}) and put it before ${dirname(first.path)} on PATH`;
  return `the AWS CLI first on PATH is v1 (${version.label} at ${first.path}); tray-cred needs v2, since \`aws configure export-credentials\` and the \`external\` profiles' commands fail on v1: ${fix}`;
}
