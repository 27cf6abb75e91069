/**
 * Unsigned-varint length prefixes, the framing `lpStream` from `@libp2p/utils` writes, done by
 * hand for the long-lived channel: `lpStream.read()` awaits one byte at a time to find each
 * prefix (several promises and list copies per frame), and one `write()` is one muxer frame. Here
 * a chunk from the stream is split into every whole frame it holds at once, and several frames
 * go out as one write. The bytes on the wire are the same, so either side may use either.
 */

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
}

function prefixLength(length: number): number {
  let bytes = 1;
  for (let n = length; n >= 0x80; n = Math.floor(n / 0x80)) bytes++;
  return bytes;
}

/** The frames, each behind its length, in one buffer. */
export function encodeLengthPrefixed(frames: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const frame of frames) total += prefixLength(frame.length) + frame.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const frame of frames) {
    let n = frame.length;
    for (; n >= 0x80; n = Math.floor(n / 0x80)) out[at++] = (n % 0x80) | 0x80;
    out[at++] = n;
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

/** Reassembles length-prefixed frames from the chunks a stream delivers, however they are cut. */
export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #maxPrefixBytes: number;
  /** Bytes of an unfinished frame (or prefix), waiting for the rest. */
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  /** How many bytes the unfinished frame needs before it is worth parsing again. */
  #need = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#maxPrefixBytes = prefixLength(maxFrameBytes);
  }

  /** Whether part of a frame (or of its prefix) has arrived and the rest has not. */
  get partial(): boolean {
    return this.#parts.length > 0;
  }

  /**
   * Takes the next chunk and returns the frames it completes, in order (views into the chunk).
   * Throws FrameTooLargeError as soon as a prefix announces more than the limit, before the
   * frame itself arrives.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    let bytes = chunk;
    if (this.#parts.length > 0) {
      this.#parts.push(chunk);
      this.#partBytes += chunk.length;
      if (this.#partBytes < this.#need) return [];
      bytes = new Uint8Array(this.#partBytes);
      let at = 0;
      for (const part of this.#parts) {
        bytes.set(part, at);
        at += part.length;
      }
      this.#parts = [];
      this.#partBytes = 0;
    }
    const frames: Uint8Array[] = [];
    let offset = 0;
    let need = 0;
    while (offset < bytes.length) {
      let length = 0;
      let factor = 1;
      let at = offset;
      let complete = false;
      while (at < bytes.length) {
        const byte = bytes[at++] as number;
        length += (byte & 0x7f) * factor;
        if (byte < 0x80) {
          complete = true;
          break;
        }
        factor *= 0x80;
        if (at - offset >= this.#maxPrefixBytes) throw new FrameTooLargeError('length prefix too long');
      }
      if (!complete) {
        need = bytes.length - offset + 1;
        break;
      }
      if (length > this.#maxFrameBytes) {
        throw new FrameTooLargeError(`frame of ${length} bytes exceeds ${this.#maxFrameBytes}`);
      }
      if (bytes.length - at < length) {
        need = at - offset + length;
        break;
      }
      frames.push(bytes.subarray(at, at + length));
      offset = at + length;
    }
    if (offset < bytes.length) {
      this.#parts = [bytes.subarray(offset)];
      this.#partBytes = bytes.length - offset;
      this.#need = need;
    }
    return frames;
  }
}
