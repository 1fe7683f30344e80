/**
 * The tray app's settings: their type, JSON schema and defaults, Electron-free so that the
 * headless agent can keep the same file with `conf` (electron-store is a thin layer over it).
 */
import type { Options, Schema } from 'conf';

/** Minutes of system idle time after which the agent locks; 0 turns it off. */
export type IdleLockMinutes = 0 | 5 | 15 | 60;

/** The choices the tray menu offers, in order. */
export const IDLE_LOCK_CHOICES: readonly IdleLockMinutes[] = [0, 5, 15, 60];

/** What a user can set, stored in `settings.json` in the data directory. */
export interface Settings {
  idleLockMinutes: IdleLockMinutes;
  /** A request that arrives while locked shows one "Unlock and allow?" prompt instead of failing. */
  unlockOnRequest: boolean;
  /** A system notification for each access served without asking, for profiles set to notify. */
  notifications: boolean;
  /** On macOS, Touch ID before unlocking from the tray, when the machine has it. */
  touchId: boolean;
  startAtLogin: boolean;
  /** Where the vault and the audit log live; empty means the standard place (or TRAY_CRED_HOME). */
  dataDir: string;
  /** Each audit entry also goes to the system log (journald, else syslog), for a team's log pipeline. */
  forwardToSystemLog: boolean;
  /** How long a prompt waits for an answer: under the Go SDK's 60 s credential_process limit by default. */
  approvalTimeoutSeconds: number;
}

/** The bounds of `approvalTimeoutSeconds`. */
export const APPROVAL_TIMEOUT_RANGE = { min: 5, max: 600 } as const;

export const SETTINGS_DEFAULTS: Readonly<Settings> = Object.freeze({
  idleLockMinutes: 15,
  unlockOnRequest: true,
  notifications: true,
  touchId: true,
  startAtLogin: false,
  dataDir: '',
  forwardToSystemLog: false,
  approvalTimeoutSeconds: 50,
});

/** The JSON schema conf validates every read and write against. */
export const SETTINGS_SCHEMA = {
  idleLockMinutes: { type: 'number', enum: [...IDLE_LOCK_CHOICES] },
  unlockOnRequest: { type: 'boolean' },
  notifications: { type: 'boolean' },
  touchId: { type: 'boolean' },
  startAtLogin: { type: 'boolean' },
  dataDir: { type: 'string', maxLength: 4096 },
  forwardToSystemLog: { type: 'boolean' },
  approvalTimeoutSeconds: { type: 'integer', minimum: APPROVAL_TIMEOUT_RANGE.min, maximum: APPROVAL_TIMEOUT_RANGE.max },
} satisfies Schema<Settings>;

/**
 * How settings.json is opened, by conf (the CLI, the headless agent) and electron-store (the
 * tray) alike: this schema and these defaults, 0600 whatever the umask. Ajv does not check the
 * schema itself against JSON Schema's meta-schema, which it would otherwise compile at every
 * start (about 70 ms of CPU, a third of the agent's start): the schema is a constant that
 * test/node/settings-file.test.ts checks once, and every read and write is still validated.
 */
export function settingsFileOptions(): Pick<
  Options<Settings>,
  'schema' | 'ajvOptions' | 'defaults' | 'configFileMode'
> {
  return {
    schema: SETTINGS_SCHEMA,
    ajvOptions: { validateSchema: false },
    defaults: { ...SETTINGS_DEFAULTS },
    configFileMode: 0o600,
  };
}
