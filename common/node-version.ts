/**
 * The oldest Node tray-cred runs on (package.json "engines"), and the one line both entry points
 * print when the Node running them is older: npm only warns about "engines" at install, and a
 * launcher or service unit keeps the Node it was written with.
 */
const MIN_NODE = '22.18.0';

/** Why `version` (process.version, e.g. "v20.20.2") is too old, naming the fix; undefined when it is new enough. */
export function nodeVersionProblem(version: string, execPath: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NODE.split('.').map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `${execPath} is Node ${version}, and tray-cred needs Node ${MIN_NODE.replace(/\.0$/, '')} or newer: install a newer Node (Node 24 from nodejs.org, your package manager or \`nvm install 24\`), then run \`tray-cred setup\` again with it first on PATH, so that the commands and the service use it`;
}
