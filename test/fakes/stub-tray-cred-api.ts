/**
 * A stand-in for the preload's `window.trayCred`, installed into a Chromium page by
 * `page.addInitScript(installStubTrayCred, options)`: in-page data (a generated audit log of any
 * length, a few profiles), every call recorded in `window.__calls`, and `window.__stub` for the
 * test to add entries, lock the agent or inspect state. It also records CSP violations in
 * `window.__violations`. The function is serialized into the page: it must not close over anything.
 */
import type {
  AccessStory,
  ApprovalChoice,
  ApprovalView,
  ChainStatus,
  ImportResult,
  ProfileActivity,
  ControlMenuItem,
  ProfileView,
} from '../../preload/api.ts';

/** What the stub starts with. */
export interface StubOptions {
  /** Audit entries to generate, newest first; every 100th is an `unlock` event, the rest accesses. */
  rows: number;
  verify: ChainStatus;
  profiles: ProfileView[];
  locked: boolean;
  importResult: ImportResult;
  /** What `history.entry(seq)` answers, by seq; any other seq is refused as main refuses a missing entry. */
  stories?: Record<number, AccessStory>;
  /** What `history.activity()` answers. */
  activity?: ProfileActivity[];
  /** The approval queue, the request on screen first (the approval page). */
  approvals?: ApprovalView[];
  /** `profiles.rotate` is refused as main refuses a denied approval (DENIED). */
  rotateDenied?: boolean;
  /** What `control.menu()` answers while locked and while unlocked (the tray menu, as main maps it). */
  controlMenu?: { locked: ControlMenuItem[]; unlocked: ControlMenuItem[] };
}

/** One recorded call: `method` like `history.query`, `args` as sent. */
export interface StubCall {
  method: string;
  args: unknown[];
}

export function installStubTrayCred(options: StubOptions): void {
  type Row = Record<string, unknown> & {
    seq: number;
    time: string;
    event: string;
    profile: string | null;
    decision: string | null;
  };
  type Filter = { profile?: string; decision?: string; text?: string; from?: string; to?: string; events?: string };
  type Listener = (value?: unknown) => void;
  const g = globalThis as unknown as Record<string, unknown> & {
    document: {
      addEventListener(
        type: string,
        fn: (e: { violatedDirective: string; blockedURI: string; sourceFile: string }) => void,
      ): void;
    };
  };
  const calls: { method: string; args: unknown[] }[] = [];
  const violations: string[] = [];
  g.__calls = calls;
  g.__violations = violations;
  g.document.addEventListener('securitypolicyviolation', (e) =>
    violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`),
  );

  const profileNames = ['dev', 'prod', 'staging', 'ci-deploy', 'sandbox'];
  const decisions = ['allowed', 'approved', 'remembered', 'denied', 'timeout', 'locked', 'error'];
  const newest = Date.parse('2026-11-26T12:00:00.000Z');
  let top = options.rows;
  const makeRow = (seq: number): Row => {
    const access = seq % 100 !== 0;
    const profile = access ? (profileNames[seq % 5] ?? null) : null;
    return {
      seq,
      time: new Date(newest - (options.rows - seq) * 60_000).toISOString(),
      event: access ? 'access' : 'unlock',
      profile,
      decision: access ? (decisions[seq % 7] ?? null) : null,
      command: access ? `aws s3 ls --profile ${profile} #${seq}` : null,
      cwd: access ? `/home/ann/project-${seq % 13}` : null,
      pid: 1000 + seq,
      ppid: 900,
      durationMs: access ? seq % 97 : null,
      reason: access && seq % 7 === 3 ? 'denied at the prompt' : null,
      served: null,
      credentialId: null,
      program: access && seq % 11 === 0 ? '/usr/local/bin/terraform' : null,
      firstUse: access && seq % 1100 === 0,
    };
  };
  const rows: Row[] = [];
  for (let seq = options.rows; seq >= 1; seq--) rows.push(makeRow(seq));

  const matches = (row: Row, f: Filter): boolean => {
    if ((f.events ?? 'access') === 'access' && row.event !== 'access') return false;
    if (f.profile && row.profile !== f.profile) return false;
    if (f.decision && row.decision !== f.decision) return false;
    if (f.from && row.time < f.from) return false;
    if (f.to && row.time >= f.to) return false;
    if (f.text) {
      const needle = f.text.toLowerCase();
      const hay = [row.profile, row.command, row.cwd, row.reason]
        .filter((v) => typeof v === 'string')
        .join('\n')
        .toLowerCase();
      if (!hay.includes(needle)) return false;
    }
    return true;
  };
  let cache: { key: string; rows: Row[] } | null = null;
  const filtered = (f: Filter): Row[] => {
    const key = JSON.stringify(f);
    if (cache?.key !== key) cache = { key, rows: rows.filter((r) => matches(r, f)) };
    return cache.rows;
  };

  const listeners: Record<string, Listener[]> = { history: [], profiles: [], state: [], approval: [] };
  const approvals: ApprovalView[] = (options.approvals ?? []).map((v) => ({ ...v }));
  const on = (kind: string) => (fn: Listener) => {
    listeners[kind]?.push(fn);
    return () => {
      listeners[kind] = (listeners[kind] ?? []).filter((x) => x !== fn);
    };
  };
  const fire = (kind: string, value?: unknown): void => {
    for (const fn of listeners[kind] ?? []) fn(value);
  };
  const record = (method: string, args: unknown[]): void => {
    calls.push({ method, args: JSON.parse(JSON.stringify(args)) as unknown[] });
  };
  // Rejections as the preload makes them: a frozen { code, message }, since an Error would reach the page as its message alone.
  const failure = (code: string, message: string) => Object.freeze({ code, message });
  const lockedError = () => failure('LOCKED', 'tray-cred is locked: choose Unlock from the tray menu');

  let locked = options.locked;
  let heldList: Promise<void> | undefined;
  let releaseHeld: () => void = () => {};
  let queryFailure: string | null = null;
  const profiles: ProfileView[] = options.profiles.map((p) => ({ ...p }));
  const state = () => ({ locked, pending: 0, profiles: locked ? 0 : profiles.length });
  const find = (name: string): ProfileView => {
    const p = profiles.find((x) => x.name === name);
    if (!p) throw failure('UNKNOWN_PROFILE', `no profile named "${name}"`);
    return p;
  };
  const api = {
    state: {
      get: async () => {
        record('state.get', []);
        return state();
      },
      unlock: async () => {
        record('state.unlock', []);
        locked = false;
        fire('state', state());
        return state();
      },
      onChanged: on('state'),
    },
    history: {
      query: async (filter: Filter, offset: number, limit: number) => {
        record('history.query', [filter, offset, limit]);
        if (limit > 500) throw failure('BAD_REQUEST', 'limit above MAX_PAGE');
        if (queryFailure !== null) {
          const message = queryFailure;
          queryFailure = null;
          throw failure('BAD_REQUEST', message);
        }
        const all = filtered(filter);
        return {
          total: all.length,
          offset,
          rows: all.slice(offset, offset + limit),
          profiles: profileNames.slice().sort(),
        };
      },
      timeline: async (filter: Filter, buckets: number) => {
        record('history.timeline', [filter, buckets]);
        const all = filtered(filter).filter((r) => r.decision !== null);
        const times = all.map((r) => Date.parse(r.time));
        const to = filter.to ? Date.parse(filter.to) : times.reduce((a, b) => Math.max(a, b), -Infinity) + 1;
        let from = filter.from ? Date.parse(filter.from) : times.reduce((a, b) => Math.min(a, b), Infinity);
        if (!all.length || !(to > from)) return { from: 0, to: 0, bucketMs: 3_600_000, series: [], total: 0 };
        const steps = [1, 5, 15, 60, 180, 360, 720, 1440, 10_080, 43_200].map((m) => m * 60_000);
        const bucketMs = steps.find((st) => (to - from) / st <= buckets) ?? 43_200 * 60_000;
        from = Math.floor(from / bucketMs) * bucketMs;
        const n = Math.max(1, Math.ceil((to - from) / bucketMs));
        const series = decisions
          .map((decision) => {
            const counts = new Array<number>(n).fill(0);
            all.forEach((r, i) => {
              if (r.decision === decision) counts[Math.floor((times[i]! - from) / bucketMs)]! += 1;
            });
            return { decision, counts };
          })
          .filter((x) => x.counts.some((c) => c > 0));
        return { from, to: from + n * bucketMs, bucketMs, series, total: all.length };
      },
      entry: async (seq: number) => {
        record('history.entry', [seq]);
        const story = options.stories?.[seq];
        if (!story) throw failure('BAD_REQUEST', `entry ${seq} is not in the audit log any more: refresh the history`);
        return story;
      },
      activity: async () => {
        record('history.activity', []);
        return options.activity ?? [];
      },
      verify: async () => {
        record('history.verify', []);
        return options.verify;
      },
      export: async (filter: Filter, format: string) => {
        record('history.export', [filter, format]);
        return { saved: true, rows: filtered(filter).length, path: `/home/ann/tray-cred-history.${format}` };
      },
      onChanged: on('history'),
    },
    profiles: {
      list: async () => {
        record('profiles.list', []);
        if (locked) throw lockedError();
        const answer = profiles.map((p) => ({ ...p }));
        if (heldList) await heldList;
        return answer;
      },
      save: async (input: {
        name: string;
        accessKeyId: string;
        policy: ProfileView['policy'];
        rememberMinutes: number;
        notify: boolean;
        replace: boolean;
      }) => {
        record('profiles.save', [input]);
        if (locked) throw lockedError();
        const existing = profiles.find((p) => p.name === input.name);
        if (existing && !input.replace)
          throw failure('BAD_REQUEST', `profile "${input.name}" exists: choose Rotate keys to replace its keys`);
        const now = '2026-11-26T12:30:00.000Z';
        const view: ProfileView = {
          name: input.name,
          kind: 'keys',
          accessKeyIdSuffix: input.accessKeyId.slice(-4),
          sessionMode: false,
          mfa: false,
          roleArn: null,
          sourceProfile: null,
          policy: input.policy,
          rememberMinutes: input.rememberMinutes,
          notify: input.notify,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          lastUsedAt: existing?.lastUsedAt ?? null,
        };
        if (existing) profiles.splice(profiles.indexOf(existing), 1, view);
        else profiles.push(view);
        setTimeout(() => fire('profiles'), 0);
        return view;
      },
      remove: async (name: string) => {
        record('profiles.remove', [name]);
        if (locked) throw lockedError();
        profiles.splice(profiles.indexOf(find(name)), 1);
        setTimeout(() => fire('profiles'), 0);
      },
      setPolicy: async (input: {
        name: string;
        policy: ProfileView['policy'];
        rememberMinutes: number;
        notify: boolean;
      }) => {
        record('profiles.setPolicy', [input]);
        if (locked) throw lockedError();
        const p = find(input.name);
        Object.assign(p, { policy: input.policy, rememberMinutes: input.rememberMinutes, notify: input.notify });
        return { ...p };
      },
      importFile: async () => {
        record('profiles.importFile', []);
        return options.importResult;
      },
      rotate: async (name: string) => {
        record('profiles.rotate', [name]);
        if (locked) throw lockedError();
        const p = find(name);
        if (options.rotateDenied) throw failure('DENIED', `access to "${name}" was denied at the prompt`);
        if (p.kind !== 'keys')
          throw failure(
            'BAD_REQUEST',
            `profile "${name}" takes its credentials from a role, not stored keys: rotate the keys of its source instead`,
          );
        const old = p.accessKeyIdSuffix;
        Object.assign(p, {
          accessKeyIdSuffix: 'NEW1',
          keyCreatedAt: new Date().toISOString(),
          updatedAt: '2026-11-26T12:30:00.000Z',
        });
        setTimeout(() => fire('profiles'), 0);
        return {
          profile: { ...p },
          done: [`rotated the key of "${name}": …NEW1 is stored and works, …${old} is deleted in IAM`],
        };
      },
      onChanged: on('profiles'),
    },
    control: {
      menu: async () => {
        record('control.menu', []);
        return options.controlMenu?.[locked ? 'locked' : 'unlocked'] ?? [];
      },
      // As main: the menu's Lock and Unlock change the state, which every window hears.
      click: async (path: number[], label: string) => {
        record('control.click', [path.join('.'), label]);
        if (label === 'Lock' || label === 'Unlock') {
          locked = label === 'Lock';
          setTimeout(() => fire('state', state()), 0);
        }
      },
    },
    approval: {
      current: async () => {
        record('approval.current', []);
        const head = approvals[0];
        return head ? { ...head, queued: approvals.length - 1 } : null;
      },
      answer: async (choice: ApprovalChoice) => {
        record('approval.answer', [choice]);
        if (approvals[0]?.id !== choice.id) throw failure('BAD_REQUEST', 'that request is no longer waiting');
        approvals.shift();
        setTimeout(() => fire('approval'), 0);
      },
      onChanged: on('approval'),
    },
  };
  g.trayCred = api;
  g.__stub = {
    /** Main queues another approval request and tells the page. */
    pushApproval: (view: ApprovalView) => {
      approvals.push(view);
      fire('approval');
    },
    /** The request on screen ends without an answer (time-out, lock), as main tells the page. */
    abortApproval: () => {
      approvals.shift();
      fire('approval');
    },
    /** Records a new access at the top of the log and tells the page, as main does. */
    addRow: (fields: Partial<Row>) => {
      top += 1;
      const row = {
        ...makeRow(top),
        time: new Date(newest + (top - options.rows) * 60_000).toISOString(),
        ...fields,
        seq: top,
      };
      rows.unshift(row);
      cache = null;
      fire('history');
      return row;
    },
    /** The next history query rejects with this message, as main's reply would. */
    failNextQuery: (message: string) => {
      queryFailure = message;
    },
    /** A profile added elsewhere (the CLI, an import): main tells the page. */
    addProfile: (view: ProfileView) => {
      profiles.push(view);
      fire('profiles');
    },
    /** The next profile lists are answered only after `releaseList()` (a slow main). */
    holdLists: () => {
      heldList = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
    },
    releaseList: () => {
      heldList = undefined;
      releaseHeld();
    },
    /** The agent locks and tells the page, as main does. */
    lockAndTell: () => {
      locked = true;
      fire('state', state());
    },
    /** The agent locks without telling the page (idle lock racing a click). */
    lockQuietly: () => {
      locked = true;
    },
    /** What the stub's history holds under a filter, for comparing with what the page shows. */
    expected: (filter: Filter, offset: number, limit: number) => {
      const all = filtered(filter);
      return { total: all.length, rows: all.slice(offset, offset + limit) };
    },
  };
}
