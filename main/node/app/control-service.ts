import type { AppState } from '../../../preload/api.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import { guarded } from './internal-app-error.ts';

/** What the control window's calls and the state every window shows are served from. */
export interface ControlServiceDeps {
  broker: Pick<Broker, 'status' | 'lock'>;
  /** The front end's own unlock (it may ask for Touch ID first). */
  unlock: () => Promise<void>;
  /** What the control window does beyond the agent: open a window, quit the app. */
  control: { open(window: 'history' | 'profiles'): void; quit(): void };
}

/**
 * The control window (Linux with no tray host: what the tray menu would do) and the agent's state
 * that every window shows (`state.get`, `state.unlock`), Electron-free.
 */
export class ControlService {
  private readonly deps: ControlServiceDeps;

  constructor(deps: ControlServiceDeps) {
    this.deps = deps;
  }

  state(): AppState {
    const s = this.deps.broker.status();
    return { locked: s.locked, pending: s.pending, profiles: s.profiles };
  }

  unlock(): Promise<AppState> {
    return guarded('unlocked', async () => {
      await this.deps.unlock();
      return this.state();
    });
  }

  async lock(): Promise<AppState> {
    await this.deps.broker.lock('locked from the control window');
    return this.state();
  }

  open(window: 'history' | 'profiles'): void {
    this.deps.control.open(window);
  }

  quit(): void {
    this.deps.control.quit();
  }
}
