import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import type { ControlMenuItem, HistoryRow } from '../../preload/api.ts';
import { clickControlMenu, controlMenu } from '../../main/electron/tray/control-menu.ts';
import { recentLabel, trayMenuTemplate, type TrayHandlers, type TrayView } from '../../main/electron/tray/tray-menu.ts';
import { TRAY_PROFILES_MAX, trayProfile } from '../../main/electron/tray/tray-profile-menu.ts';

const row = (seq: number, over: Partial<HistoryRow> = {}): HistoryRow => ({
  seq,
  time: new Date(2026, 10, 26, 9, seq).toISOString(),
  event: 'access',
  profile: 'dev',
  decision: 'allowed',
  command: 'aws s3 ls',
  cwd: '/home/ann',
  pid: 1,
  ppid: 2,
  durationMs: 3,
  reason: null,
  served: 'vault',
  credentialId: null,
  program: null,
  firstUse: false,
  ...over,
});
const view = (over: Partial<TrayView> = {}): TrayView => ({
  locked: false,
  pending: [],
  recent: [],
  idleLockMinutes: 15,
  unlockOnRequest: true,
  startAtLogin: false,
  canStartAtLogin: true,
  notifications: true,
  touchId: true,
  canTouchId: false,
  mnemonics: false,
  ...over,
});
function recorder(): { calls: string[]; on: TrayHandlers } {
  const calls: string[] = [];
  const on: TrayHandlers = {
    unlock: () => calls.push('unlock'),
    lock: () => calls.push('lock'),
    openHistory: () => calls.push('history'),
    openProfiles: () => calls.push('profiles'),
    showApproval: () => calls.push('approval'),
    setIdleLock: (m) => calls.push(`idle ${m}`),
    setUnlockOnRequest: (b) => calls.push(`unlockOnRequest ${b}`),
    setStartAtLogin: (b) => calls.push(`startAtLogin ${b}`),
    setNotifications: (b) => calls.push(`notifications ${b}`),
    setTouchId: (b) => calls.push(`touchId ${b}`),
    installHelper: () => calls.push('install'),
    signIn: (p) => calls.push(`sign in ${p}`),
    quit: () => calls.push('quit'),
    copyExport: (p) => calls.push(`copy ${p}`),
    openConsole: (p) => calls.push(`console ${p}`),
    openTerminal: (p) => calls.push(`terminal ${p}`),
    rotateNow: (p) => calls.push(`rotate ${p}`),
  };
  return { calls, on };
}
const labels = (items: MenuItemConstructorOptions[]): string[] =>
  items.map((i) => (i.type === 'separator' ? '---' : i.label!));
const find = (items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions => {
  for (const i of items) {
    if (i.label === label) return i;
    const inner = Array.isArray(i.submenu) ? i.submenu.find((s) => s.label === label) : undefined;
    if (inner) return inner;
  }
  throw new Error(`no "${label}" in ${labels(items).join(', ')}`);
};
const click = (item: MenuItemConstructorOptions): void => (item.click as () => void)();

describe('trayMenuTemplate', () => {
  it('offers Unlock when locked and Lock when unlocked, each calling its handler', () => {
    const { calls, on } = recorder();
    const locked = trayMenuTemplate(view({ locked: true }), on);
    assert.equal(locked[0]!.label, 'Unlock');
    assert.ok(!labels(locked).includes('Lock'));
    click(locked[0]!);
    const unlocked = trayMenuTemplate(view({ locked: false }), on);
    assert.equal(unlocked[0]!.label, 'Lock');
    click(unlocked[0]!);
    assert.deepEqual(calls, ['unlock', 'lock']);
  });

  it('is the full menu, in order, for an unlocked agent with nothing recent', () => {
    assert.deepEqual(labels(trayMenuTemplate(view(), recorder().on)), [
      'Lock',
      '---',
      'Open Access History…',
      'Profiles…',
      '---',
      'Lock after idle',
      'Unlock when a request arrives',
      'Notify of accesses served without asking',
      'Start at login',
      '---',
      'Install command-line helper…',
      '---',
      'Quit',
    ]);
  });

  it('an ended IAM Identity Center sign-in is a "SSO sign-in needed" item whose click starts the sign-in', () => {
    const { calls, on } = recorder();
    const items = trayMenuTemplate(view({ signInNeeded: ['team', 'ops\u202e'] }), on);
    assert.deepEqual(labels(items).slice(0, 4), [
      'Lock',
      '---',
      'SSO sign-in needed: team — Sign in…',
      'SSO sign-in needed: ops\\u202e — Sign in…',
    ]);
    click(find(items, 'SSO sign-in needed: team — Sign in…'));
    assert.deepEqual(calls, ['sign in team']);
    assert.ok(!labels(trayMenuTemplate(view({ signInNeeded: [] }), on)).some((l) => l.startsWith('SSO')));
  });

  it('lists waiting requests as "Waiting for approval: prod (aws s3 ls)"; a click brings the approval window to the front', () => {
    const { calls, on } = recorder();
    const items = trayMenuTemplate(
      view({
        pending: [
          { profile: 'prod', command: 'aws s3 ls' },
          { profile: 'billing', command: undefined },
        ],
      }),
      on,
    );
    const waiting = items.filter((i) => i.label?.startsWith('Waiting'));
    assert.deepEqual(
      waiting.map((i) => i.label),
      ['Waiting for approval: prod (aws s3 ls)', 'Waiting for approval: billing'],
    );
    click(waiting[1]!);
    assert.deepEqual(calls, ['approval']);
  });

  it('shows the five most recent accesses as "profile — command — decision — time" and opens the history on click', () => {
    const { calls, on } = recorder();
    const recent = [
      row(7, { profile: 'prod', decision: 'denied', command: 'aws s3 rm s3://b --recursive' }),
      ...[6, 5, 4, 3, 2].map((s) => row(s)),
    ];
    const items = trayMenuTemplate(view({ recent }), on);
    const shown = items.filter((i) => i.label?.includes(' — '));
    assert.equal(shown.length, 5);
    assert.equal(shown[0]!.label, 'prod — aws s3 rm s3://b --recursive — denied — 09:07');
    assert.equal(shown[4]!.label, 'dev — aws s3 ls — allowed — 09:03');
    click(shown[0]!);
    assert.deepEqual(calls, ['history']);
  });

  it('keeps a caller command to one short menu line', () => {
    const label = recentLabel(row(1, { command: `aws\n s3 ls ${'x'.repeat(300)}` }));
    assert.ok(!label.includes('\n'));
    assert.ok(label.length < 120, label);
  });

  it('has the idle lock as a radio group Off/5/15/60 min with the setting checked, each setting its minutes', () => {
    const { calls, on } = recorder();
    const items = trayMenuTemplate(view({ idleLockMinutes: 5 }), on);
    const submenu = find(items, 'Lock after idle').submenu as MenuItemConstructorOptions[];
    assert.deepEqual(
      submenu.map((i) => [i.label, i.type, i.checked]),
      [
        ['Off', 'radio', false],
        ['5 min', 'radio', true],
        ['15 min', 'radio', false],
        ['60 min', 'radio', false],
      ],
    );
    click(submenu[0]!);
    click(submenu[3]!);
    assert.deepEqual(calls, ['idle 0', 'idle 60']);
  });

  it('toggles unlock-on-request and start-at-login from their current state; start at login is disabled where the OS has none', () => {
    const { calls, on } = recorder();
    const items = trayMenuTemplate(view({ unlockOnRequest: true, startAtLogin: false }), on);
    assert.equal(find(items, 'Unlock when a request arrives').checked, true);
    click(find(items, 'Unlock when a request arrives'));
    click(find(items, 'Start at login'));
    assert.deepEqual(calls, ['unlockOnRequest false', 'startAtLogin true']);
    assert.equal(find(trayMenuTemplate(view({ canStartAtLogin: false }), on), 'Start at login').enabled, false);
  });

  it('toggles notifications, and offers Touch ID only where there is Touch ID', () => {
    const { calls, on } = recorder();
    click(find(trayMenuTemplate(view({ notifications: true }), on), 'Notify of accesses served without asking'));
    assert.ok(!labels(trayMenuTemplate(view(), on)).includes('Use Touch ID to unlock'));
    const mac = trayMenuTemplate(view({ canTouchId: true, touchId: false }), on);
    assert.equal(find(mac, 'Use Touch ID to unlock').checked, false);
    click(find(mac, 'Use Touch ID to unlock'));
    assert.deepEqual(calls, ['notifications false', 'touchId true']);
  });

  it('wires Open Access History, Profiles, Install and Quit', () => {
    const { calls, on } = recorder();
    const items = trayMenuTemplate(view(), on);
    for (const label of ['Open Access History…', 'Profiles…', 'Install command-line helper…', 'Quit'])
      click(find(items, label));
    assert.deepEqual(calls, ['history', 'profiles', 'install', 'quit']);
  });
});

describe('menu labels from callers', () => {
  const noop = (): void => undefined;
  const on = {
    unlock: noop,
    lock: noop,
    openHistory: noop,
    openProfiles: noop,
    showApproval: noop,
    setIdleLock: noop,
    setUnlockOnRequest: noop,
    setStartAtLogin: noop,
    setNotifications: noop,
    setTouchId: noop,
    installHelper: noop,
    quit: noop,
  };
  const base = {
    locked: false,
    recent: [],
    idleLockMinutes: 15 as const,
    unlockOnRequest: true,
    startAtLogin: false,
    canStartAtLogin: true,
    notifications: true,
    touchId: false,
    canTouchId: false,
  };
  it('doubles & where Windows and Linux would read it as a mnemonic (a command "a&&b" must not lose its ampersands), and not on macOS', () => {
    const pending = [{ profile: 'R&D', command: 'make deploy && aws s3 ls' }];
    const winLinux = trayMenuTemplate({ ...base, pending, mnemonics: true }, on).map((i) => i.label);
    assert.ok(winLinux.includes('Waiting for approval: R&&D (make deploy &&&& aws s3 ls)'), winLinux.join(' | '));
    const mac = trayMenuTemplate({ ...base, pending, mnemonics: false }, on).map((i) => i.label);
    assert.ok(mac.includes('Waiting for approval: R&D (make deploy && aws s3 ls)'), mac.join(' | '));
  });

  it('has a "Use a profile" submenu per profile: copy the export lines (saying they are secret and cleared), the console, a terminal, Rotate now for stored keys', () => {
    const { calls, on } = recorder();
    const profiles = [
      trayProfile(
        { name: 'dev', kind: 'keys', keyCreatedAt: '2026-08-18T09:00:00Z', rotateAfterDays: 90 },
        Date.parse('2026-11-26T09:00:00Z'),
      ),
      trayProfile({ name: 'prod-admin', kind: 'role' }, 0),
    ];
    const items = trayMenuTemplate(view({ profiles, terminal: true }), on);
    const use = find(items, 'Use a profile');
    assert.equal(labels(items).indexOf('Use a profile'), labels(items).indexOf('Profiles…') + 1);
    const sub = use.submenu as MenuItemConstructorOptions[];
    assert.deepEqual(labels(sub), ['dev — key 100 d, rotate', 'prod-admin']);
    const dev = sub[0]!.submenu as MenuItemConstructorOptions[];
    assert.deepEqual(labels(dev), [
      'Copy `export` lines (secret keys; clipboard cleared after 60 s)',
      'Open console…',
      'Run a terminal with this profile',
      '---',
      'Rotate now',
    ]);
    for (const item of dev) if (item.type !== 'separator') click(item);
    assert.deepEqual(calls, ['copy dev', 'console dev', 'terminal dev', 'rotate dev']);
    assert.deepEqual(
      labels(sub[1]!.submenu as MenuItemConstructorOptions[]),
      [
        'Copy `export` lines (secret keys; clipboard cleared after 60 s)',
        'Open console…',
        'Run a terminal with this profile',
      ],
      'a role has no key to rotate',
    );
  });

  it('leaves out the terminal where the platform has none, the submenu while there are no profiles (locked), and escapes & in names for mnemonics', () => {
    const { on } = recorder();
    const none = trayMenuTemplate(view({ profiles: [{ name: 'dev', rotatable: false }], terminal: false }), on);
    assert.ok(
      !labels(
        (find(none, 'Use a profile').submenu as MenuItemConstructorOptions[])[0]!
          .submenu as MenuItemConstructorOptions[],
      ).includes('Run a terminal with this profile'),
    );
    assert.ok(!labels(trayMenuTemplate(view({ profiles: [] }), on)).includes('Use a profile'));
    assert.ok(!labels(trayMenuTemplate(view({ locked: true }), on)).includes('Use a profile'));
    const many = Array.from({ length: TRAY_PROFILES_MAX + 5 }, (_, i) => ({ name: `p${i}`, rotatable: false }));
    assert.equal(
      (find(trayMenuTemplate(view({ profiles: many }), on), 'Use a profile').submenu as unknown[]).length,
      TRAY_PROFILES_MAX,
    );
    const hostile = trayMenuTemplate(view({ profiles: [{ name: 'a\u202Eb', rotatable: false }], mnemonics: true }), on);
    assert.equal((find(hostile, 'Use a profile').submenu as MenuItemConstructorOptions[])[0]!.label, 'a\\u202eb');
  });
});

describe('the control window shows the tray menu (controlMenu, clickControlMenu)', () => {
  const full = view({
    mnemonics: true,
    signInNeeded: ['sso-dev'],
    profiles: [{ name: 'R&D', rotatable: true, keyAgeDays: 2 }],
    terminal: true,
  });

  it('has every item of the tray menu, in order, with its kind, state and submenu; `&&` shown as `&`', () => {
    const { on } = recorder();
    const template = trayMenuTemplate(full, on);
    const shown = controlMenu(template);
    const flat = (items: ControlMenuItem[]): string[] =>
      items.flatMap((i) => [
        `${i.kind}:${i.label}${i.checked === undefined ? '' : `=${i.checked}`}`,
        ...flat(i.items ?? []),
      ]);
    const names = flat(shown);
    assert.equal(shown.length, template.length);
    for (const expected of [
      'action:Lock',
      'action:SSO sign-in needed: sso-dev — Sign in…',
      'group:Use a profile',
      'group:R&D — key 2 d',
      'action:Run a terminal with this profile',
      'action:Rotate now',
      'group:Lock after idle',
      'radio:15 min=true',
      'radio:5 min=false',
      'checkbox:Unlock when a request arrives=true',
      'checkbox:Notify of accesses served without asking=true',
      'checkbox:Start at login=false',
      'action:Install command-line helper…',
      'action:Quit',
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(' | ')}`);
  });

  it('a click runs the same handler the tray menu runs, by path, and only while that item is still there', () => {
    const { calls, on } = recorder();
    const template = () => trayMenuTemplate(full, on);
    const path = (label: string, items = controlMenu(template()), at: number[] = []): number[] => {
      for (const [k, item] of items.entries()) {
        if (item.label === label) return [...at, k];
        const inner = item.items ? path(label, item.items, [...at, k]) : [];
        if (inner.length) return inner;
      }
      return [];
    };
    for (const label of [
      '5 min',
      'Start at login',
      'Rotate now',
      'SSO sign-in needed: sso-dev — Sign in…',
      'Install command-line helper…',
    ])
      clickControlMenu(template(), path(label), label);
    assert.deepEqual(calls, ['idle 5', 'startAtLogin true', 'rotate R&D', 'sign in sso-dev', 'install']);
    // The menu changed under the page (locked meanwhile: no Lock, no profiles): nothing runs.
    const locked = trayMenuTemplate(view({ locked: true }), on);
    assert.throws(() => clickControlMenu(locked, path('Rotate now'), 'Rotate now'), /no longer in tray-cred's menu/);
    assert.throws(() => clickControlMenu(locked, [0], 'Lock'), /no longer in tray-cred's menu/);
    assert.throws(
      () => clickControlMenu(template(), path('Use a profile'), 'Use a profile'),
      /no longer/,
      'a submenu is no action',
    );
    const disabled = trayMenuTemplate(view({ canStartAtLogin: false }), on);
    assert.throws(() => clickControlMenu(disabled, path('Start at login'), 'Start at login'), /no longer/);
    assert.equal(calls.length, 5);
  });
});
