/**
 * What a client says about the process that asked for credentials. The helper sends it, the agent
 * records it and shows it in prompts: claims, not proof, until the agent checks them with the OS.
 * This file imports nothing.
 */

/** The claimed caller of one request. */
export interface CallerClaim {
  /** pid of the helper's parent (the `aws` process or SDK host). */
  pid: number;
  /** pid of that process's parent (usually the shell). */
  ppid: number;
  /** The parent's command line, arguments joined by spaces. */
  command: string;
  /** The parent's working directory. */
  cwd: string;
}
