/** One set of temporary credentials the agent holds in memory, as `tray-cred sessions` lists them. Never the keys themselves. */
export interface SessionInfo {
  profile: string;
  /** How they were made: STS GetSessionToken, STS AssumeRole, or an external command. */
  kind: 'session-token' | 'assume-role' | 'command' | 'sso';
  expiration: string;
  mintedAt: string;
  /** The command line of the caller whose request minted them, as claimed. */
  mintedFor: string;
  /** The last four characters of the temporary access key id, as CloudTrail shows it. */
  accessKeyIdSuffix: string;
}
