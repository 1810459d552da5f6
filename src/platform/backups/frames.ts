import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { BackupError } from './backup-error.js';

/**
 * The plaintext inside a backup: a sequence of frames, each `type (1 byte) | length (u32) | payload`.
 * H header (JSON), T table start (JSON), D rows of the current table (COPY text format), E table end
 * (JSON: rows, checksum), B media blob start (JSON: key, bytes), F the current blob's content, S sequence
 * values (JSON), M manifest (JSON, always the last frame).
 */
export type FrameType = 'H' | 'T' | 'D' | 'E' | 'B' | 'F' | 'S' | 'M';
const TYPES = new Set<string>(['H', 'T', 'D', 'E', 'B', 'F', 'S', 'M']);
const MAX_FRAME = 64 * 1024 * 1024;

export interface Frame {
  readonly type: FrameType;
  readonly payload: Buffer;
}

export class FrameWriter {
  constructor(private readonly out: Writable) {}

  async write(type: FrameType, payload: Buffer): Promise<void> {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(payload.length, 1);
    if (!this.out.write(Buffer.concat([head, payload]))) await once(this.out, 'drain');
  }

  json(type: FrameType, value: unknown): Promise<void> {
    return this.write(type, Buffer.from(JSON.stringify(value)));
  }
}

export async function* readFrames(input: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  let buffered: Buffer = Buffer.alloc(0);
  for await (const chunk of input) {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 5) {
      const type = String.fromCharCode(buffered[0] as number);
      const length = buffered.readUInt32BE(1);
      if (!TYPES.has(type) || length > MAX_FRAME)
        throw new BackupError('corrupted', 'the backup has an invalid frame');
      if (buffered.length < 5 + length) break;
      yield { type: type as FrameType, payload: buffered.subarray(5, 5 + length) };
      buffered = buffered.subarray(5 + length);
    }
  }
  if (buffered.length > 0) throw new BackupError('truncated', 'the backup ends inside a frame');
}
