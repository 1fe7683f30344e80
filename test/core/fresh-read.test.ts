import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FreshRead } from '../../main/core/fresh-read.ts';

/** A read of `state.version` as it is when the read starts, finished by the test. */
function controlled(): {
  state: { version: number };
  reads: { seen: number; finish: (error?: Error) => void }[];
  shared: FreshRead<number>;
} {
  const state = { version: 1 };
  const reads: { seen: number; finish: (error?: Error) => void }[] = [];
  const shared = new FreshRead(
    () =>
      new Promise<number>((resolve, reject) => {
        const seen = state.version;
        reads.push({ seen, finish: (error) => (error ? reject(error) : resolve(seen)) });
      }),
  );
  return { state, reads, shared };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FreshRead: a read shared only with those who asked before it started', () => {
  it('never answers a caller with a read that began before its call: a change made before the call is seen', async () => {
    const { state, reads, shared } = controlled();
    const first = shared.get();
    state.version = 2; // the file changes while the first read is under way
    const second = shared.get();
    assert.equal(reads.length, 1, 'the second caller does not start a read of its own while one runs');
    reads[0]!.finish();
    assert.equal(await first, 1);
    await turn();
    assert.equal(reads.length, 2, 'a new read starts once the running one ends');
    reads[1]!.finish();
    assert.equal(await second, 2, 'the second caller sees the change made before it asked, not the older read');
  });

  it('shares one read among every caller that asked while the previous one ran', async () => {
    const { reads, shared } = controlled();
    const first = shared.get();
    const waiting = [shared.get(), shared.get(), shared.get()];
    reads[0]!.finish();
    await first;
    await turn();
    assert.equal(reads.length, 2);
    reads[1]!.finish();
    assert.deepEqual(await Promise.all(waiting), [1, 1, 1]);
    const later = shared.get();
    assert.equal(reads.length, 3, 'with none running, a caller starts its own read at once');
    reads[2]!.finish();
    assert.equal(await later, 1);
  });

  it('a failed read fails only its own callers; those who asked after it get a new read', async () => {
    const { reads, shared } = controlled();
    const first = shared.get();
    const second = shared.get();
    reads[0]!.finish(new Error('EIO'));
    await assert.rejects(first, /EIO/);
    await turn();
    reads[1]!.finish();
    assert.equal(await second, 1);
  });
});
