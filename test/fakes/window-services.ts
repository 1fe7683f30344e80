/**
 * The tray windows' services (main/node/app) over a test world, wired as main/electron/app.ts
 * wires them; the approval window's and the control window's own actions are stubs.
 */
import { HistoryIndex } from '../../main/core/history/history-index.ts';
import { AwsAccessKeys } from '../../main/node/aws/aws-access-keys.ts';
import { ControlService } from '../../main/node/app/control-service.ts';
import { HistoryService } from '../../main/node/app/history-service.ts';
import { ProfilesService } from '../../main/node/app/profiles-service.ts';
import type { makeWorld } from './world.ts';

type World = Awaited<ReturnType<typeof makeWorld>>;

export function windowServices(w: World, over: { history?: HistoryIndex; unlock?: () => Promise<void> } = {}) {
  const history = over.history ?? new HistoryIndex({ fs: w.fs }, w.audit.dir);
  return {
    control: new ControlService({
      broker: w.broker,
      unlock: over.unlock ?? (async () => void (await w.broker.unlock())),
      menu: { items: () => [], click: () => undefined },
    }),
    history: new HistoryService({ history, audit: w.audit, vault: w.vault, fs: w.fs }),
    profiles: new ProfilesService({
      broker: w.broker,
      vault: w.vault,
      audit: w.audit,
      history,
      fs: w.fs,
      clock: w.clock,
      keys: new AwsAccessKeys(),
    }),
    approval: { current: () => null, answer: () => undefined },
  };
}
