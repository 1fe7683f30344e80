/**
 * Surgical edits of `~/.aws/config` and `~/.aws/credentials`. Parsers such as `ini` rebuild the
 * file and lose comments, order, spacing and line endings; these functions change only the lines
 * they must and leave every other byte as it was.
 *
 * The AWS files' own rule is followed: a line that starts with white space continues the key
 * above it (nested values such as `s3 =` / `  max_concurrent_requests = 20`), so only keys at
 * the start of a line count.
 */

interface Line {
  text: string;
  eol: string;
}

interface Section {
  /** The profile the section configures, or undefined for `[sso-session x]`, `[services x]`, ... */
  profile: string | undefined;
  /** Index of the header line. */
  start: number;
  /** Index after the section's last line. */
  end: number;
}

/** A section header, as the AWS CLI's parser reads it: a trailing `#` or `;` comment is allowed. */
export const HEADER = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/;

function split(text: string): Line[] {
  const lines: Line[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r)?/g;
  for (let m = re.exec(text); m && (m[0] !== '' || re.lastIndex < text.length); m = re.exec(text)) {
    lines.push({ text: m[1]!, eol: m[2] ?? '' });
    if (!m[2]) break;
  }
  return lines;
}

const join = (lines: Line[]): string => lines.map((l) => l.text + l.eol).join('');

function dominantEol(lines: Line[]): string {
  const crlf = lines.filter((l) => l.eol === '\r\n').length;
  return crlf > lines.length / 2 ? '\r\n' : '\n';
}

/** `[profile x]` and `[default]` in the config file; `[x]` in the credentials file. */
function profileOf(header: string, file: 'config' | 'credentials'): string | undefined {
  const name = header.trim();
  if (file === 'credentials') return name;
  if (name === 'default') return 'default';
  const m = /^profile\s+(\S.*)$/.exec(name);
  return m ? m[1]!.trim() : undefined;
}

function sections(lines: Line[], file: 'config' | 'credentials'): Section[] {
  const out: Section[] = [];
  lines.forEach((line, i) => {
    const m = HEADER.exec(line.text);
    if (!m) return;
    const last = out.at(-1);
    if (last) last.end = i;
    out.push({ profile: profileOf(m[1]!, file), start: i, end: lines.length });
  });
  return out;
}

// botocore reads keys through ConfigParser, which lowercases them: `Credential_Process` is
// `credential_process`, and a second one makes it refuse the whole file (DuplicateOptionError).
const isKey = (text: string, key: string): boolean => new RegExp(`^${key}\\s*=`, 'i').test(text);
const isContent = (text: string): boolean => text.trim() !== '' && !/^\s*[#;]/.test(text);

export interface ConfigEdit {
  text: string;
  /** Profiles whose line was added or changed. */
  changed: string[];
  /** Profiles that already had exactly this line. */
  unchanged: string[];
}

/**
 * Sets `credential_process = <command(profile)>` in each profile's section of a config file,
 * adding the line (or the section) when missing. Every occurrence of the key in the section is
 * set, so a duplicate cannot win over the new line.
 */
export function setCredentialProcess(
  text: string,
  profiles: string[],
  command: (profile: string) => string,
): ConfigEdit {
  const lines = split(text);
  const eol = dominantEol(lines);
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const profile of profiles) {
    const wanted = `credential_process = ${command(profile)}`;
    const matching = sections(lines, 'config').filter((s) => s.profile === profile);
    if (matching.length === 0) {
      const last = lines.at(-1);
      if (last && last.text === '' && last.eol === '') lines.pop();
      const tail = lines.at(-1);
      if (tail && tail.eol === '') tail.eol = eol;
      const header = profile === 'default' ? '[default]' : `[profile ${profile}]`;
      if (lines.length > 0 && lines.at(-1)!.text.trim() !== '') lines.push({ text: '', eol });
      lines.push({ text: header, eol }, { text: wanted, eol });
      changed.push(profile);
      continue;
    }
    let found = false;
    let same = true;
    for (const s of matching) {
      for (let i = s.start + 1; i < s.end; i += 1) {
        if (isKey(lines[i]!.text, 'credential_process')) {
          found = true;
          if (lines[i]!.text !== wanted) {
            lines[i]!.text = wanted;
            same = false;
          }
        }
      }
    }
    if (!found) {
      // After the last key of the section (the last one, if a profile has two sections): before its trailing blanks and comments.
      const s = matching.at(-1)!;
      let at = s.start;
      for (let i = s.start + 1; i < s.end; i += 1) if (isContent(lines[i]!.text)) at = i;
      if (lines[at]!.eol === '') lines[at]!.eol = eol;
      lines.splice(at + 1, 0, { text: wanted, eol });
      same = false;
    }
    (same ? unchanged : changed).push(profile);
  }
  return { text: join(lines), changed, unchanged };
}

export interface SectionRemoval {
  text: string;
  removed: string[];
  /** True when no section with content is left: the file can go. */
  empty: boolean;
}

/**
 * Removes profiles' sections from a credentials (or config) file: the header, its keys and the
 * blank lines among them. Comment lines just before the next section stay with it.
 */
export function removeSections(text: string, profiles: string[], file: 'config' | 'credentials'): SectionRemoval {
  let lines = split(text);
  const removed: string[] = [];
  for (const s of [...sections(lines, file)].reverse()) {
    if (s.profile === undefined || !profiles.includes(s.profile)) continue;
    let end = s.end;
    while (end > s.start + 1 && /^\s*[#;]/.test(lines[end - 1]!.text) && end < lines.length) end -= 1;
    lines = [...lines.slice(0, s.start), ...lines.slice(end)];
    if (!removed.includes(s.profile)) removed.unshift(s.profile);
  }
  const empty = !lines.some((l) => isContent(l.text) && !HEADER.test(l.text)) && sections(lines, file).length === 0;
  return { text: join(lines), removed, empty };
}

/** The profiles with a section in a config file, and the `credential_process` each one has. */
export function configProfiles(text: string): Map<string, string | undefined> {
  const lines = split(text);
  const out = new Map<string, string | undefined>();
  for (const s of sections(lines, 'config')) {
    if (s.profile === undefined) continue;
    let cp = out.get(s.profile);
    for (let i = s.start + 1; i < s.end; i += 1) {
      const m = /^credential_process\s*=\s*(.*)$/i.exec(lines[i]!.text);
      if (m) cp = m[1]!.trim();
    }
    out.set(s.profile, cp);
  }
  return out;
}

/** Profiles whose section holds a plaintext secret key (in a config or credentials file). */
export function profilesWithSecrets(text: string, file: 'config' | 'credentials'): string[] {
  const lines = split(text);
  const out: string[] = [];
  for (const s of sections(lines, file)) {
    if (s.profile === undefined || out.includes(s.profile)) continue;
    for (let i = s.start + 1; i < s.end; i += 1) {
      if (isKey(lines[i]!.text, 'aws_secret_access_key')) {
        out.push(s.profile);
        break;
      }
    }
  }
  return out;
}

/** Every section name in the file, in order, read by the same rules as the edits above. */
export function sectionNames(text: string): string[] {
  return split(text)
    .map((l) => HEADER.exec(l.text)?.[1]?.trim())
    .filter((n): n is string => n !== undefined);
}

const SECRET_LINE = /^(\s*(?:aws_secret_access_key|aws_session_token|aws_security_token)\s*=).*$/gim;

/** The file with the values of secret keys hidden, for showing it (a diff) to a person. */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_LINE, '$1 (hidden)');
}

/**
 * The helper a credential_process value runs: by its full path, as `tray-cred setup` and
 * `configure-aws` write it, or `tray-cred-helper` by name (found on PATH), as they wrote it before.
 */
export function helperIn(value: string | undefined): { profile: string | undefined; byName: boolean } | undefined {
  const words = value?.trim().split(/\s+/) ?? [];
  const first = words[0] ?? '';
  if (first !== 'tray-cred-helper' && !/^\/\S*\/tray-cred-helper$/.test(first)) return undefined;
  return { profile: words.length === 2 ? words[1] : undefined, byName: first === 'tray-cred-helper' };
}

/** True when a credential_process value is tray-cred's own line for exactly this profile. */
export function isHelperFor(value: string | undefined, profile: string): boolean {
  return helperIn(value)?.profile === profile;
}

export interface LineRemoval {
  text: string;
  /** Profiles whose tray-cred-helper line was taken out. */
  removed: string[];
}

/**
 * Takes `credential_process = tray-cred-helper <profile>` (by name or full path) out of each named profile's sections.
 * A credential_process that runs anything else stays, and so does every other byte.
 */
export function unsetCredentialProcess(text: string, profiles: string[]): LineRemoval {
  const lines = split(text);
  const drop = new Set<number>();
  const removed: string[] = [];
  for (const s of sections(lines, 'config')) {
    if (s.profile === undefined || !profiles.includes(s.profile)) continue;
    for (let i = s.start + 1; i < s.end; i += 1) {
      const m = /^credential_process\s*=(.*)$/i.exec(lines[i]!.text);
      if (!m || !isHelperFor(m[1], s.profile)) continue;
      drop.add(i);
      if (!removed.includes(s.profile)) removed.push(s.profile);
    }
  }
  return { text: join(lines.filter((_, i) => !drop.has(i))), removed };
}
