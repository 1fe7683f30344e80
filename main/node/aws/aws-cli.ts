/**
 * Finds the `aws` a user's PATH runs and asks it for its version. The executables are found on
 * the PATH of the environment given (the command's own), so a test can put a fake `aws` first.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { parseAwsCliVersion, type AwsCliProbe } from '../../core/aws/aws-cli-version.ts';
import { allOnPath } from '../platform/on-path.ts';

/** Where installers put v2 when it is not on PATH. */
const WELL_KNOWN = ['/usr/local/bin/aws', '/usr/bin/aws'];

function versionOf(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(path, ['--version'], { env, timeout: 20_000, windowsHide: true }, (error, stdout, stderr) => {
      // A broken `aws` (a shim without a Python, say) prints something else or nothing: no version.
      resolve(error ? '' : `${stdout}${stderr}`);
    });
  });
}

/** The `aws` the PATH runs, and if that one is v1, the first v2 found after it or in a well-known place. */
export async function probeAwsCli(
  env: NodeJS.ProcessEnv,
): Promise<{ first: AwsCliProbe | undefined; v2Elsewhere: string | undefined }> {
  const onPath = await allOnPath(process.platform === 'win32' ? 'aws.exe' : 'aws', env, process.platform);
  if (onPath.length === 0) return { first: undefined, v2Elsewhere: undefined };
  const first: AwsCliProbe = { path: onPath[0]!, output: await versionOf(onPath[0]!, env) };
  if (parseAwsCliVersion(first.output)?.major !== 1) return { first, v2Elsewhere: undefined };
  const firstReal = await realpath(first.path).catch(() => first.path);
  for (const path of [...onPath.slice(1), ...WELL_KNOWN]) {
    const real = await realpath(path).catch(() => undefined);
    if (!real || real === firstReal) continue;
    if (parseAwsCliVersion(await versionOf(path, env))?.major === 2) return { first, v2Elsewhere: real };
  }
  return { first, v2Elsewhere: undefined };
}
