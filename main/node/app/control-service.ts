import type { AppState, ControlMenuItem } from '../../../preload/api.ts';
import type { Broker } from '../../core/pipeline/broker.ts';
import { guarded } from './internal-app-error.ts';

/** What the control window's calls and the state every window shows are served from. */
export interface ControlServiceDeps {
  broker: Pick<Broker, 'status'>;
  /** The front end's own unlock (it may ask for Touch ID first). */
  unlock: () => Promise<void>;
  /** The tray menu, which the control window shows and clicks item for item (main/electron/tray/control-menu.ts). */
  menu: { items(): ControlMenuItem[]; click(path: readonly number[], label: string): void };
}

/**
 * The control window (Linux with no tray host: the tray menu, item for item) and the agent's
 * state that every window shows (`state.get`, `state.unlock`), Electron-free.
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

  menu(): ControlMenuItem[] {
    return this.deps.menu.items();
  }

  async click(path: readonly number[], label: string): Promise<void> {
    this.deps.menu.click(path, label);
  }
}
