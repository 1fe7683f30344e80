import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineFrameReader, type FrameRead } from '../../helper/line-frame.ts';
import { MAX_FRAME_BYTES } from '../../helper/wire.ts';

/** Feeds the chunks in order and returns what the reader said after each. */
function feed(chunks: (string | Buffer)[], what = 'request'): FrameRead[] {
  const reader = new LineFrameReader(what);
  return chunks.map((c) => reader.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
}

const partial: FrameRead = { kind: 'partial' };
const tooLarge = (read: FrameRead | undefined): string => {
  assert.ok(read?.kind === 'too-large', `expected too-large, got ${JSON.stringify(read)}`);
  assert.equal(read.error.code, 'TOO_LARGE');
  return read.error.message;
};
/** A frame of exactly `bytes` bytes, its newline included. */
const frameOf = (bytes: number): string => `${'x'.repeat(bytes - 1)}\n`;
const eAcute = Buffer.from('é', 'utf8'); // two bytes

describe('LineFrameReader', () => {
  const lines: { name: string; chunks: (string | Buffer)[]; reads: FrameRead[] }[] = [
    { name: 'a frame in one chunk', chunks: ['{"v":1}\n'], reads: [{ kind: 'line', line: '{"v":1}' }] },
    {
      name: 'a frame split across chunks',
      chunks: ['{"v":', '1,"id"', ':"a"}\n'],
      reads: [partial, partial, { kind: 'line', line: '{"v":1,"id":"a"}' }],
    },
    {
      name: 'a character split between chunks is decoded whole',
      chunks: [
        Buffer.concat([Buffer.from('"caf'), eAcute.subarray(0, 1)]),
        Buffer.concat([eAcute.subarray(1), Buffer.from('"\n')]),
      ],
      reads: [partial, { kind: 'line', line: '"café"' }],
    },
    {
      name: 'two frames in one chunk: only the first is taken',
      chunks: ['{"a":1}\n{"b":2}\n'],
      reads: [{ kind: 'line', line: '{"a":1}' }],
    },
    {
      name: 'after the first line, later chunks are not read',
      chunks: ['first\nsec', 'ond\n'],
      reads: [
        { kind: 'line', line: 'first' },
        { kind: 'line', line: 'first' },
      ],
    },
    { name: 'an empty line is a frame', chunks: ['\n'], reads: [{ kind: 'line', line: '' }] },
  ];
  for (const { name, chunks, reads } of lines) {
    test(name, () => assert.deepEqual(feed(chunks), reads));
  }

  test('a frame of exactly the cap, newline included, is read', () => {
    const [read] = feed([frameOf(MAX_FRAME_BYTES)]);
    assert.deepEqual(read, { kind: 'line', line: 'x'.repeat(MAX_FRAME_BYTES - 1) });
  });

  test('a frame of exactly the cap, in many chunks, is read', () => {
    const whole = frameOf(MAX_FRAME_BYTES);
    const chunks: string[] = [];
    for (let at = 0; at < whole.length; at += 1000) chunks.push(whole.slice(at, at + 1000));
    const reads = feed(chunks);
    assert.deepEqual(
      reads.slice(0, -1),
      chunks.slice(0, -1).map(() => partial),
    );
    assert.deepEqual(reads.at(-1), { kind: 'line', line: 'x'.repeat(MAX_FRAME_BYTES - 1) });
  });

  test('one byte over the cap is TOO_LARGE, named as the caller calls it', () => {
    assert.equal(tooLarge(feed([frameOf(MAX_FRAME_BYTES + 1)])[0]), `request is larger than ${MAX_FRAME_BYTES} bytes`);
    assert.equal(
      tooLarge(feed([frameOf(MAX_FRAME_BYTES + 1)], "the agent's answer")[0]),
      `the agent's answer is larger than ${MAX_FRAME_BYTES} bytes`,
    );
  });

  test('one byte over the cap when only the newline is missing: TOO_LARGE as the newline arrives', () => {
    const reads = feed(['x'.repeat(MAX_FRAME_BYTES), '\n']);
    assert.deepEqual(reads[0], partial);
    tooLarge(reads[1]);
  });

  test('a frame with no newline is cut off as soon as it passes the cap, without waiting for one', () => {
    const reads = feed(['x'.repeat(MAX_FRAME_BYTES - 10), 'x'.repeat(11), 'more\n']);
    assert.deepEqual(reads[0], partial);
    tooLarge(reads[1]);
    assert.deepEqual(reads[2], reads[1], 'once too large, it stays too large');
  });

  test('bytes after the newline do not count toward the cap', () => {
    const [read] = feed([`${frameOf(MAX_FRAME_BYTES)}${'y'.repeat(MAX_FRAME_BYTES)}`]);
    assert.equal(read?.kind, 'line');
  });
});
