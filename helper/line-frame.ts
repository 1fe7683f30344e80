/**
 * Reading one frame off a connection: chunks accumulate up to the first newline, at most
 * {@link MAX_FRAME_BYTES} with the newline included. The agent reads requests and the client
 * reads answers with this one reader, so the split and the cap are written once.
 *
 * No Node module: it works on the Buffers a socket emits, and the helper bundles it.
 */
import { MAX_FRAME_BYTES, ProtocolError } from './wire.ts';

/**
 * Where reading a frame stands after a chunk: more bytes are needed, the first line is
 * complete (without its newline, decoded as UTF-8), or the frame passed the cap.
 */
export type FrameRead =
  | { kind: 'partial' }
  | { kind: 'line'; line: string }
  | { kind: 'too-large'; error: ProtocolError };

const PARTIAL: FrameRead = { kind: 'partial' };

/**
 * Accumulates the chunks of one newline-terminated frame. One frame per connection: bytes
 * after the first newline are never read. Once it has returned a line or an error the reader
 * is settled, and later chunks return that same outcome again.
 */
export class LineFrameReader {
  private readonly what: string;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled: FrameRead | undefined;
  private tail: Buffer = Buffer.alloc(0);

  /** `what` names the frame in the `TOO_LARGE` message: "request", "the agent's answer". */
  constructor(what: string) {
    this.what = what;
  }

  /** Adds one chunk as it arrived and says where the frame stands. */
  push(chunk: Buffer): FrameRead {
    if (this.settled) return this.settled;
    const nl = chunk.indexOf(0x0a);
    this.size += nl < 0 ? chunk.length : nl + 1;
    if (this.size > MAX_FRAME_BYTES) {
      return this.settle({
        kind: 'too-large',
        error: new ProtocolError('TOO_LARGE', `${this.what} is larger than ${MAX_FRAME_BYTES} bytes`),
      });
    }
    if (nl < 0) {
      this.chunks.push(chunk);
      return PARTIAL;
    }
    this.chunks.push(chunk.subarray(0, nl));
    this.tail = chunk.subarray(nl + 1);
    return this.settle({ kind: 'line', line: Buffer.concat(this.chunks).toString('utf8') });
  }

  /** The bytes after the line's newline in the chunk that completed it: the start of the next frame, for a reader that reads on (the client, past a notice). */
  get leftover(): Buffer {
    return this.tail;
  }

  private settle(outcome: FrameRead): FrameRead {
    this.settled = outcome;
    this.chunks.length = 0; // the bytes are not read again
    return outcome;
  }
}
