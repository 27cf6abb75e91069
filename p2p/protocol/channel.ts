/**
 * A request/response channel over one long-lived libp2p stream. Opening a stream
 * costs a multistream negotiation (tens of ms under load); a channel pays it once
 * and then carries many concurrent requests, matched by request id, plus pushed
 * events. When the stream ends, every pending request fails with UNREACHABLE at
 * once: a peer that dies never leaves a caller hanging.
 *
 * Frames are length-prefixed JSON (frame.ts, length-prefix.ts). Every write costs a muxer
 * frame, an encryption, a WebSocket message and a wake-up of the peer, so the frames of one
 * turn of the event loop (answers that came back together, requests sent together) leave as
 * one write: under load many share it, and a lone frame waits only for the end of the turn.
 * Reading splits each chunk into its frames at once, without a promise per byte of prefix.
 */
import type { Stream } from '@libp2p/interface';
import { HipError, type HipErrorBody, HipErrorCode } from './errors.ts';
import { decodeFrame, encodeFrame } from './frame.ts';
import { DEFAULT_TIMEOUT_MS } from './ids.ts';
import { encodeLengthPrefixed, FrameReader } from './length-prefix.ts';
import type { EventFrame, RequestBody, RequestFrame, ResponseFrame } from './messages.ts';

/** Runs `flush` once the current turn is over: after I/O callbacks in Node, after microtasks elsewhere. */
const afterTurn: (flush: () => void) => void =
  typeof setImmediate === 'function' ? (flush) => void setImmediate(flush) : queueMicrotask;

export interface ChannelHandlers {
  /** Answers one incoming frame of type `request` (validated by the caller). Throw HipError to fail it. */
  onRequest?: (frame: unknown) => Promise<unknown>;
  onEvent?: (frame: EventFrame) => void;
  onClose?: (error?: Error) => void;
}

/**
 * How long the peer may stall the channel (slow loris, docs/router-protocol.md#limits): a frame it
 * has begun must be complete, and a write it holds up by not reading must drain, within `stallMs`,
 * or the stream is aborted. Unset: no limit (a light client waits on its router as long as it likes).
 */
export interface ChannelLimits {
  stallMs?: number;
  /** Told before the stream is aborted for a stall. */
  onStall?(kind: 'read' | 'write'): void;
}

export interface SendOptions {
  timeoutMs?: number;
  hopsLeft?: number;
  /**
   * Gives up the request when it aborts (whoever wanted the answer went away): it is rejected at
   * once, locally, with the signal's reason, and a late answer is ignored.
   */
  signal?: AbortSignal;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: HipError) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Detaches the request from its abort signal. */
  release?: () => void;
}

/** Settles every caller whose frame went out in one write. */
interface Written {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function written(): Written {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The id an answer goes back under: the request's own, or 0 when it has none JSON can carry
 * (`1e999` parses to Infinity, which would go back as `null`).
 */
function answerId(id: unknown): number {
  return typeof id === 'number' && Number.isFinite(id) ? id : 0;
}

/** What a request given up by its caller's signal is rejected with. */
function cancelled(signal: AbortSignal): HipError {
  return signal.reason instanceof HipError
    ? signal.reason
    : new HipError(HipErrorCode.unreachable, 'the request was given up: its requester went away');
}

export class Channel {
  readonly #stream: Stream;
  readonly #reader: FrameReader;
  readonly #handlers: ChannelHandlers;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  /** Set once we hang up on the peer: nothing more it sends is read. */
  #refusing = false;
  #fatal: HipError | null = null;
  /** Encoded frames waiting for the end of the turn, and what their senders wait on. */
  #outgoing: Uint8Array[] = [];
  #written: Written | null = null;
  #flushQueued = false;
  #awaitingDrain = false;
  readonly #limits: ChannelLimits;
  /** Running while a frame is half read, or a write waits for the peer to read. */
  #readStall: ReturnType<typeof setTimeout> | null = null;
  #writeStall: ReturnType<typeof setTimeout> | null = null;

  constructor(
    stream: Stream,
    maxMessageBytes: number,
    handlers: ChannelHandlers = {},
    limits: ChannelLimits = {},
  ) {
    this.#stream = stream;
    this.#reader = new FrameReader(maxMessageBytes);
    this.#handlers = handlers;
    this.#limits = limits;
    stream.addEventListener('message', (event) => {
      this.#read(event.data instanceof Uint8Array ? event.data : event.data.subarray());
    });
    // The peer has finished writing, or the stream is gone: no answer can arrive any more.
    stream.addEventListener('end', () => this.#finish());
    stream.addEventListener('close', (event) => this.#finish(event.error));
    if (stream.status !== 'open' || stream.readableEnded) queueMicrotask(() => this.#finish());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and resolves with its result, or rejects with the HipError it failed with. */
  request(body: RequestBody, options: SendOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new HipError(HipErrorCode.unreachable, 'channel is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const frame: RequestFrame = { type: 'request', id, timeoutMs, body };
    if (options.hopsLeft !== undefined) frame.hopsLeft = options.hopsLeft;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#drop(id);
        reject(new HipError(HipErrorCode.timeout, `no answer to ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: Pending = { resolve, reject, timer };
      if (signal) {
        const onAbort = () => {
          if (this.#drop(id)) reject(cancelled(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.release = () => signal.removeEventListener('abort', onAbort);
      }
      this.#pending.set(id, pending);
      this.#send(frame).catch((error: Error) => {
        // A frame that cannot be encoded (nested too deep) is the request's fault, not the peer's.
        const body =
          error instanceof HipError
            ? error.toBody()
            : { code: HipErrorCode.unreachable, message: `could not send: ${error.message}` };
        this.#settle(id, body);
      });
    });
  }

  /** Pushes an event frame (router -> client subscriptions). */
  push(frame: EventFrame): Promise<void> {
    return this.#send(frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#finish();
    this.#flush(); // what was sent this turn still goes out before the end of the stream
    this.#stream.close().catch(() => this.#stream.abort(new Error('close failed')));
  }

  abort(reason: string): void {
    if (this.#closed) return;
    this.#finish(new Error(reason));
    this.#stream.abort(new Error(reason));
  }

  /** Queues one frame for the next write; resolves once the stream has taken it (and drained, if it had to). */
  #send(frame: unknown): Promise<void> {
    try {
      this.#outgoing.push(encodeFrame(frame));
    } catch (error) {
      return Promise.reject(error);
    }
    this.#written ??= written();
    if (!this.#flushQueued && !this.#awaitingDrain) {
      this.#flushQueued = true;
      afterTurn(this.#flush);
    }
    return this.#written.promise;
  }

  readonly #flush = (): void => {
    this.#flushQueued = false;
    const batch = this.#written;
    if (!batch || this.#awaitingDrain) return;
    const bytes = encodeLengthPrefixed(this.#outgoing);
    this.#outgoing = [];
    this.#written = null;
    let more: boolean;
    try {
      more = this.#stream.send(bytes);
    } catch (error) {
      batch.reject(error as Error);
      return;
    }
    if (more) {
      batch.resolve();
      return;
    }
    // The transport's buffer is full: hold further frames until it drains.
    this.#awaitingDrain = true;
    this.#writeStall ??= this.#stallTimer('write');
    this.#stream.onDrain().then(
      () => {
        this.#clearWriteStall();
        this.#awaitingDrain = false;
        batch.resolve();
        this.#flush();
      },
      (error: Error) => {
        this.#clearWriteStall();
        this.#awaitingDrain = false;
        batch.reject(error);
        this.#flush();
      },
    );
  };

  #read(chunk: Uint8Array): void {
    if (this.#closed || this.#refusing) return;
    let frames: Uint8Array[];
    try {
      frames = this.#reader.push(chunk);
    } catch {
      // Tell the peer why before hanging up; its frame was never read, so the id is unknown.
      this.#hangUp(
        { code: HipErrorCode.tooLarge, message: 'frame exceeds the size limit' },
        'oversized frame',
      );
      return;
    }
    // A frame begun and not finished starts the clock; the frame completing stops it.
    if (this.#reader.partial) this.#readStall ??= this.#stallTimer('read');
    else if (this.#readStall) {
      clearTimeout(this.#readStall);
      this.#readStall = null;
    }
    for (const frame of frames) {
      if (this.#closed || this.#refusing) return;
      try {
        this.#dispatch(frame);
      } catch {
        // A local handler (an event callback) threw: not the peer's doing, the channel carries on.
      }
    }
  }

  /** One error frame with id 0 (the peer's last word: it fails everything it has pending), then abort. */
  #hangUp(error: HipErrorBody, reason: string): void {
    this.#refusing = true;
    this.#send({ type: 'response', id: 0, error })
      .catch(() => {})
      .finally(() => this.abort(reason));
  }

  #dispatch(bytes: Uint8Array): void {
    let frame: { type?: unknown; id?: unknown };
    try {
      frame = decodeFrame(bytes) as typeof frame;
    } catch (error) {
      // A peer that sends garbage gets one error frame and loses the channel.
      this.#hangUp((error as HipError).toBody(), 'malformed frame');
      return;
    }
    if (frame?.type === 'response' && typeof frame.id === 'number') {
      const response = frame as ResponseFrame;
      // Id 0 is the peer's last word before it hangs up (a frame it could not read): it answers
      // every request still pending.
      if ('error' in response && response.id === 0) this.#fatal = HipError.fromBody(response.error);
      else if ('error' in response) this.#settle(response.id, response.error);
      else this.#settle(response.id, undefined, response.result);
    } else if (frame?.type === 'event') {
      this.#handlers.onEvent?.(frame as unknown as EventFrame);
    } else if (frame?.type === 'request' && this.#handlers.onRequest) {
      void this.#answer(frame);
    } else {
      this.#send({
        type: 'response',
        id: answerId(frame?.id),
        error: { code: HipErrorCode.badRequest, message: 'expected a request frame' },
      }).catch(() => {});
    }
  }

  async #answer(frame: { id?: unknown }): Promise<void> {
    const id = answerId(frame.id);
    let response: ResponseFrame;
    try {
      response = { type: 'response', id, result: await this.#handlers.onRequest?.(frame) };
    } catch (error) {
      const body =
        error instanceof HipError
          ? error.toBody()
          : { code: HipErrorCode.internal, message: 'internal router error' };
      response = { type: 'response', id, error: body };
    }
    if (!this.#closed) await this.#send(response).catch(() => {});
  }

  /** Forgets request `id` (its timer and abort listener too); undefined if it was not pending. */
  #drop(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.release?.();
    return pending;
  }

  #settle(id: number, error?: HipErrorBody, result?: unknown): void {
    const pending = this.#drop(id);
    if (!pending) return;
    if (error) pending.reject(HipError.fromBody(error));
    else pending.resolve(result);
  }

  /** Aborts the stream after `stallMs`, unless the stall ends first; null without a limit. */
  #stallTimer(kind: 'read' | 'write'): ReturnType<typeof setTimeout> | null {
    const { stallMs } = this.#limits;
    if (stallMs === undefined) return null;
    return setTimeout(() => {
      if (this.#closed) return;
      this.#limits.onStall?.(kind);
      this.abort(
        kind === 'read'
          ? `a frame was begun and not finished within ${stallMs} ms`
          : `the peer read nothing for ${stallMs} ms`,
      );
    }, stallMs);
  }

  #clearWriteStall(): void {
    if (this.#writeStall) clearTimeout(this.#writeStall);
    this.#writeStall = null;
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#readStall) clearTimeout(this.#readStall);
    this.#readStall = null;
    this.#clearWriteStall();
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.release?.();
      pending.reject(
        this.#fatal ??
          new HipError(HipErrorCode.unreachable, 'the peer closed the connection before answering', { id }),
      );
    }
    this.#pending.clear();
    this.#handlers.onClose?.(error);
  }
}
