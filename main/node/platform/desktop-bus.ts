/**
 * What the Linux desktop says on D-Bus that Electron does not pass on: the screen locking
 * (Electron's `lock-screen` fires on macOS and Windows only) and whether a tray host is running
 * (GNOME without the AppIndicator extension has none, and Electron's Tray is then invisible).
 * Through dbus-next, a pure-JS D-Bus client: nothing native to build or ship.
 */
import dbus from 'dbus-next';

/** The session's screen locker and tray host, as the desktop bus tells them. */
export interface DesktopBus {
  /** Calls `listener` with where it came from each time the screen locks. Returns the stop. */
  onScreenLock(listener: (source: string) => void): Promise<() => void>;
  /** Whether a StatusNotifierWatcher (the tray host of KDE, the GNOME AppIndicator extension, most panels) owns its name. */
  hasTrayHost(): Promise<boolean>;
  /**
   * Seconds since the person's last input, as GNOME Shell counts it (Mutter's IdleMonitor): under
   * Wayland Electron's own idle time reads 0. `undefined` where no such service answers.
   */
  idleSeconds(): Promise<number | undefined>;
  close(): void;
}

/**
 * A Linux Wayland session, where Electron 45 runs as a Wayland client (its `--ozone-platform`
 * is `auto`): no window may raise or focus itself there, and Electron's idle time reads 0.
 */
export function isWaylandSession(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  return platform === 'linux' && env.XDG_SESSION_TYPE === 'wayland';
}

/** The screen lockers that say so on the session bus: freedesktop's (KDE, XFCE, Cinnamon...) and GNOME Shell's own. */
const LOCKERS = ['org.freedesktop.ScreenSaver', 'org.gnome.ScreenSaver'];
const WATCHER = 'org.kde.StatusNotifierWatcher';

/**
 * How long the bus may take to say hello or answer a call. dbus-next has no time-out of its own,
 * and the tray app's start waits on the hello and on the tray-host question: a bus that accepts
 * the connection and then says nothing (a hung session bus) would hold the start for ever.
 */
export const BUS_TIMEOUT_MS = 5000;

/** `promise`, or a rejection naming `what` once {@link BUS_TIMEOUT_MS} has passed. */
function timed<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the D-Bus ${what} did not answer within ${BUS_TIMEOUT_MS / 1000} s`)),
      BUS_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function busCall(
  bus: dbus.MessageBus,
  member: string,
  signature: string,
  body: unknown[],
): Promise<dbus.Message | null> {
  return timed(
    `bus's ${member}`,
    bus.call(
      new dbus.Message({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member,
        signature,
        body,
      }),
    ),
  );
}

/** Resolves true once the bus has said hello, false when it cannot be reached (no such socket, refused) or says nothing in time. */
function reached(bus: dbus.MessageBus): Promise<boolean> {
  return timed(
    'bus',
    new Promise<boolean>((resolve) => {
      bus.once('connect', () => resolve(true));
      bus.once('error', () => resolve(false));
    }),
  ).catch(() => false);
}

/** logind's Lock signal for this session (`loginctl lock-session`, some lockers), on the system bus; undefined where there is none. */
async function logindLock(listener: (source: string) => void): Promise<(() => void) | undefined> {
  let bus: dbus.MessageBus | undefined;
  try {
    bus = dbus.systemBus();
    if (!(await reached(bus))) throw new Error('no system bus');
    bus.on('error', () => undefined);
    const manager = new dbus.Message({
      destination: 'org.freedesktop.login1',
      path: '/org/freedesktop/login1',
      interface: 'org.freedesktop.login1.Manager',
      member: 'GetSessionByPID',
      signature: 'u',
      body: [process.pid],
    });
    const reply = await timed("system bus's GetSessionByPID", bus.call(manager));
    const path = String(reply?.body[0] ?? '');
    await busCall(bus, 'AddMatch', 's', [
      `type='signal',interface='org.freedesktop.login1.Session',member='Lock',path='${path}'`,
    ]);
    const system = bus;
    system.on('message', (msg: dbus.Message) => {
      if (msg.interface === 'org.freedesktop.login1.Session' && msg.member === 'Lock' && msg.path === path)
        listener('logind');
    });
    return () => system.disconnect();
  } catch {
    bus?.disconnect();
    return undefined;
  }
}

/** Connects to the session bus named by DBUS_SESSION_BUS_ADDRESS; undefined when there is none to reach. */
export async function connectDesktopBus(): Promise<DesktopBus | undefined> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return undefined;
  const bus = dbus.sessionBus();
  if (!(await reached(bus))) {
    bus.disconnect();
    return undefined;
  }
  bus.on('error', () => undefined);
  const stops: (() => void)[] = [];
  return {
    async onScreenLock(listener) {
      for (const locker of LOCKERS)
        await busCall(bus, 'AddMatch', 's', [`type='signal',interface='${locker}',member='ActiveChanged'`]);
      const onMessage = (msg: dbus.Message): void => {
        if (msg.member === 'ActiveChanged' && LOCKERS.includes(msg.interface) && msg.body[0] === true)
          listener(msg.interface);
      };
      bus.on('message', onMessage);
      const logind = await logindLock(listener);
      const stop = (): void => {
        bus.removeListener('message', onMessage);
        logind?.();
      };
      stops.push(stop);
      return stop;
    },
    async hasTrayHost() {
      const reply = await busCall(bus, 'NameHasOwner', 's', [WATCHER]);
      return reply?.body[0] === true;
    },
    async idleSeconds() {
      const reply = await bus
        .call(
          new dbus.Message({
            destination: 'org.gnome.Mutter.IdleMonitor',
            path: '/org/gnome/Mutter/IdleMonitor/Core',
            interface: 'org.gnome.Mutter.IdleMonitor',
            member: 'GetIdletime',
          }),
        )
        .catch(() => null);
      // Milliseconds, as a uint64 (a BigInt from dbus-next).
      const ms = reply?.body[0] as bigint | number | undefined;
      return typeof ms === 'bigint' || typeof ms === 'number' ? Math.floor(Number(ms) / 1000) : undefined;
    },
    close() {
      for (const stop of stops.splice(0)) stop();
      bus.disconnect();
    },
  };
}

/**
 * Shows a notification through the desktop's notification server (org.freedesktop.Notifications
 * on the session bus: GNOME, KDE, XFCE, dunst, mako...). Resolves false where there is none to reach.
 */
export async function showDesktopNotification(title: string, body: string): Promise<boolean> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  const bus = dbus.sessionBus();
  try {
    if (!(await reached(bus))) return false;
    bus.on('error', () => undefined);
    const reply = await bus.call(
      new dbus.Message({
        destination: 'org.freedesktop.Notifications',
        path: '/org/freedesktop/Notifications',
        interface: 'org.freedesktop.Notifications',
        member: 'Notify',
        signature: 'susssasa{sv}i',
        body: ['tray-cred', 0, '', title, body, [], {}, -1],
      }),
    );
    return reply !== null;
  } catch {
    return false;
  } finally {
    bus.disconnect();
  }
}
