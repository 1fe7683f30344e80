/**
 * The credential endpoint's door, attacked the way a local process or a web page would: raw
 * HTTP over a socket, so every header is the attacker's choice. Only a request that passes every
 * check reaches `fetch` (the agent, here a counter behind the port).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEndpoint, type Endpoint } from '../../main/node/exec/credential-endpoint.ts';
import { TrayCredError } from '../../main/core/errors.ts';

const SESSION = {
  Version: 1 as const,
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE01',
  SecretAccessKey: 'session-secret',
  SessionToken: 'session-token',
  Expiration: '2030-01-01T00:00:00.000Z',
};

/** One raw request; resolves with the status code. */
function raw(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

describe('credential endpoint checks', () => {
  let endpoint: Endpoint;
  let port: number;
  let fetched = 0;
  let answer: () => Promise<typeof SESSION> = () => Promise.resolve(SESSION);
  const refused: string[] = [];
  before(async () => {
    endpoint = await startEndpoint(
      () => {
        fetched += 1;
        return answer();
      },
      (why) => refused.push(why),
    );
    port = Number(new URL(endpoint.url).port);
  });
  after(() => endpoint.close());

  it('listens on 127.0.0.1 with a fresh 256-bit token each run', async () => {
    assert.match(endpoint.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(endpoint.token, /^[\w-]{43}$/);
    const other = await startEndpoint(() => Promise.resolve(SESSION));
    assert.notEqual(other.token, endpoint.token);
    await other.close();
  });

  const get = (headers: string): Promise<number> => raw(port, `GET / HTTP/1.1\r\n${headers}`);
  const host = (): string => `Host: 127.0.0.1:${port}`;

  it('serves the good request, with localhost as the Host too', async () => {
    const before = fetched;
    assert.equal(await get(`${host()}\r\nAuthorization: ${endpoint.token}`), 200);
    assert.equal(await get(`Host: localhost:${port}\r\nAuthorization: ${endpoint.token}`), 200);
    assert.equal(fetched, before + 2);
  });

  const attacks: [string, () => string, number][] = [
    ['no token', () => host(), 401],
    ['an empty token', () => `${host()}\r\nAuthorization: `, 401],
    ['a prefix of the token', () => `${host()}\r\nAuthorization: ${endpoint.token.slice(0, 20)}`, 401],
    ['the token with a suffix', () => `${host()}\r\nAuthorization: ${endpoint.token}x`, 401],
    ['the token as Bearer', () => `${host()}\r\nAuthorization: Bearer ${endpoint.token}`, 401],
    ['a rebinding Host', () => `Host: attacker.example:${port}\r\nAuthorization: ${endpoint.token}`, 403],
    [
      'a Host that only starts like ours',
      () => `Host: 127.0.0.1:${port}.attacker.example\r\nAuthorization: ${endpoint.token}`,
      403,
    ],
    ['our address on another port', () => `Host: 127.0.0.1:${port + 1}\r\nAuthorization: ${endpoint.token}`, 403],
    ['no port in Host', () => `Host: localhost\r\nAuthorization: ${endpoint.token}`, 403],
    ['an Origin header', () => `${host()}\r\nAuthorization: ${endpoint.token}\r\nOrigin: null`, 403],
    [
      'a Referer header',
      () => `${host()}\r\nAuthorization: ${endpoint.token}\r\nReferer: https://attacker.example/`,
      403,
    ],
    ['Sec-Fetch-Site', () => `${host()}\r\nAuthorization: ${endpoint.token}\r\nSec-Fetch-Site: same-site`, 403],
    [
      'Sec-Fetch-Mode in capitals',
      () => `${host()}\r\nAuthorization: ${endpoint.token}\r\nSEC-FETCH-MODE: no-cors`,
      403,
    ],
  ];
  for (const [what, headers, status] of attacks) {
    it(`refuses ${what} without asking the agent`, async () => {
      const before = fetched;
      assert.equal(await get(headers()), status);
      assert.equal(fetched, before);
    });
  }

  it('refuses methods other than GET', async () => {
    const before = fetched;
    for (const method of ['POST', 'PUT', 'OPTIONS', 'DELETE'])
      assert.equal(
        await raw(port, `${method} / HTTP/1.1\r\n${host()}\r\nAuthorization: ${endpoint.token}\r\nContent-Length: 0`),
        405,
      );
    assert.equal(fetched, before);
  });

  it("passes the agent's refusal on with its status, and a long-term key is never served", async () => {
    answer = () => Promise.reject(new TrayCredError('DENIED', 'denied at the prompt'));
    assert.equal(await get(`${host()}\r\nAuthorization: ${endpoint.token}`), 403);
    answer = () => Promise.reject(new TrayCredError('LOCKED', 'locked'));
    assert.equal(await get(`${host()}\r\nAuthorization: ${endpoint.token}`), 503);
    answer = () =>
      Promise.resolve({
        Version: 1,
        AccessKeyId: 'AKIAEXAMPLEEXAMPLE01',
        SecretAccessKey: 'long-term',
      } as typeof SESSION);
    assert.equal(await get(`${host()}\r\nAuthorization: ${endpoint.token}`), 403);
    answer = () => Promise.resolve(SESSION);
  });

  it('never names the token in what it reports of a refusal', () => {
    assert.ok(refused.length >= attacks.length);
    assert.ok(refused.every((why) => !why.includes(endpoint.token.slice(0, 8))));
  });

  it('refuses connections once closed', async () => {
    const e = await startEndpoint(() => Promise.resolve(SESSION));
    const p = Number(new URL(e.url).port);
    await e.close();
    await assert.rejects(raw(p, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nAuthorization: ${e.token}`), {
      code: 'ECONNREFUSED',
    });
  });
});
