import type { RotateResult } from '../../../preload/api.ts';
import { TrayCredError, UnknownProfileError } from '../../core/errors.ts';
import type { AccessKeys, Clock } from '../../core/ports/ports.ts';
import { rotateNow } from './profile-actions.ts';
import { AppService, InternalAppError, type AppServiceDeps } from './app-service.ts';

/** What the Profiles window's "Rotate now" needs beyond {@link AppServiceDeps}. */
export interface RotationServiceDeps extends AppServiceDeps {
  clock: Clock;
  /** IAM through the AWS SDK unless given. */
  keys?: AccessKeys | undefined;
}

/**
 * The windows' API with "Rotate now" (issue 15): kept beside AppService rather than in it, so
 * app-service.ts stays within its size. The same steps as `tray-cred rotate`, gated by the broker
 * like any use of the key (main/node/app/profile-actions.ts rotateNow).
 */
export class AppServiceWithRotation extends AppService {
  private readonly rotation: RotationServiceDeps;

  constructor(deps: RotationServiceDeps) {
    super(deps);
    this.rotation = deps;
  }

  async profilesRotate(name: string): Promise<RotateResult> {
    try {
      const done = await rotateNow(this.rotation, name);
      const profile = (await this.profilesList()).find((p) => p.name === name);
      if (!profile) throw new UnknownProfileError(name);
      return { profile, done };
    } catch (error) {
      if (error instanceof TrayCredError) throw error;
      throw new InternalAppError('rotated the key', error);
    }
  }
}
