import { AwsServiceError, SignInNeededError } from '../errors.ts';
import type { Clock, DeviceAuthorization, IdentityCenter } from '../ports/ports.ts';
import type { SsoSource, SsoToken } from '../profiles/sso-schema.ts';

/** RFC 8628 §3.5: a `slow_down` adds five seconds to the polling interval. */
const SLOW_DOWN_MS = 5_000;

const sleep = (clock: Clock, ms: number): Promise<void> => new Promise((resolve) => clock.setTimer(ms, resolve));

/**
 * The device authorization flow (RFC 8628) through IAM Identity Center's OIDC service: register
 * a client, start the authorization, show the person where to confirm it, then poll for the
 * token at the interval asked, slower after each `slow_down`, until it is granted or expires.
 * The tokens are returned to the caller, which keeps them in the vault and nowhere else.
 */
export async function deviceSignIn(
  center: IdentityCenter,
  clock: Clock,
  name: string,
  source: Pick<SsoSource, 'region' | 'startUrl'>,
  show: (authorization: DeviceAuthorization) => void | Promise<void>,
): Promise<SsoToken> {
  const client = await center.registerClient(source.region);
  const auth = await center.startDeviceAuthorization(source.region, client, source.startUrl);
  await show(auth);
  const deadline = clock.now() + auth.expiresIn * 1000;
  let interval = Math.max(1, auth.interval) * 1000;
  for (;;) {
    await sleep(clock, interval);
    if (clock.now() > deadline) break;
    try {
      const t = await center.createToken(source.region, client, { deviceCode: auth.deviceCode });
      return {
        accessToken: t.accessToken,
        expiresAt: new Date(clock.now() + t.expiresIn * 1000).toISOString(),
        ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        clientSecretExpiresAt: client.clientSecretExpiresAt,
      };
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      if (error.awsCode === 'AuthorizationPending') continue;
      if (error.awsCode === 'SlowDown') {
        interval += SLOW_DOWN_MS;
        continue;
      }
      if (error.awsCode === 'ExpiredToken') break;
      if (error.awsCode === 'AccessDenied')
        throw new SignInNeededError(
          `the sign-in of "${name}" was refused in the browser: run \`tray-cred sso login ${name}\` again and allow it`,
        );
      throw error;
    }
  }
  throw new SignInNeededError(
    `the sign-in of "${name}" was not confirmed within ${auth.expiresIn} s: run \`tray-cred sso login ${name}\` again and confirm the code ${auth.userCode} in the browser`,
  );
}
