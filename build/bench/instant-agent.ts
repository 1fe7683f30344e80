/**
 * The floor's agent: answers every request line at once with the same credential_process
 * document, echoing the request's id, with no policy, no vault, no audit and no caller check.
 * Run as its own process (as the real agent is) on the socket path given as argv[2]; prints
 * "listening" once it accepts connections. Any valid request gets an answer the helper accepts.
 */
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';

const path = process.argv[2]!;
const result = {
  Version: 1,
  AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
rmSync(path, { force: true });
const server = createServer({ allowHalfOpen: true }, (socket) => {
  let text = '';
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const nl = text.indexOf('\n');
    if (nl < 0) return;
    const { id } = JSON.parse(text.slice(0, nl)) as { id: string };
    socket.end(`${JSON.stringify({ v: 1, id, ok: true, result })}\n`);
  });
});
server.maxConnections = 4096;
server.listen({ path, backlog: 1024 }, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
