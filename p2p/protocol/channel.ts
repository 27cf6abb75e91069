/**
 * A request/response channel over one long-lived libp2p stream. Opening a stream
 * costs a multistream negotiation (tens of ms under load); a channel pays it once
 * and then carries many concurrent requests, matched by request id, plus pushed
 * events. When the stream ends, every pending request fails with UNREACHABLE at
 * once: a peer that dies never leaves a caller hanging.
 */
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { HipError, type HipErrorBody, HipErrorCode } from './errors.ts';
import { decodeFrame, encodeFrame } from './frame.ts';
import { DEFAULT_TIMEOUT_MS } from './ids.ts';
import type { EventFrame, RequestBody, RequestFrame, ResponseFrame } from './messages.ts';

export interface ChannelHandlers {
  /** Answers one incoming frame of type `request` (validated by the caller). Throw HipError to fail it. */
  onRequest?: (frame: unknown) => Promise<unknown>;
  onEvent?: (frame: EventFrame) => void;
  onClose?: (error?: Error) => void;
}

export interface SendOptions {
  timeoutMs?: number;
  hopsLeft?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: HipError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Channel {
  readonly #stream: Stream;
  readonly #lp: ReturnType<typeof lpStream>;
  readonly #handlers: ChannelHandlers;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #fatal: HipError | null = null;

  constructor(stream: Stream, maxMessageBytes: number, handlers: ChannelHandlers = {}) {
    this.#stream = stream;
    this.#lp = lpStream(stream, { maxDataLength: maxMessageBytes });
    this.#handlers = handlers;
    void this.#readLoop();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and resolves with its result, or rejects with the HipError it failed with. */
  request(body: RequestBody, options: SendOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new HipError(HipErrorCode.unreachable, 'channel is closed'));
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const frame: RequestFrame = { type: 'request', id, timeoutMs, body };
    if (options.hopsLeft !== undefined) frame.hopsLeft = options.hopsLeft;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HipError(HipErrorCode.timeout, `no answer to ${body.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(frame).catch((error: Error) => {
        this.#settle(id, { code: HipErrorCode.unreachable, message: `could not send: ${error.message}` });
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
    this.#stream.close().catch(() => this.#stream.abort(new Error('close failed')));
  }

  abort(reason: string): void {
    if (this.#closed) return;
    this.#finish(new Error(reason));
    this.#stream.abort(new Error(reason));
  }

  #send(frame: unknown): Promise<void> {
    const bytes = encodeFrame(frame);
    const write = this.#writing.then(() => this.#lp.write(bytes));
    this.#writing = write.catch(() => {});
    return write;
  }

  async #readLoop(): Promise<void> {
    let failure: Error | undefined;
    try {
      for (;;) {
        const bytes = await this.#lp.read();
        this.#dispatch(bytes.subarray());
      }
    } catch (error) {
      failure = error as Error;
    }
    if (failure?.name === 'InvalidDataLengthError' && !this.#closed) {
      // Tell the peer why before hanging up; its frame was never read, so the id is unknown.
      const error = { code: HipErrorCode.tooLarge, message: 'frame exceeds the size limit' };
      await this.#send({ type: 'response', id: 0, error }).catch(() => {});
      this.abort('oversized frame');
      return;
    }
    this.#finish(failure);
  }

  #dispatch(bytes: Uint8Array): void {
    let frame: { type?: unknown; id?: unknown };
    try {
      frame = decodeFrame(bytes) as typeof frame;
    } catch (error) {
      // A peer that sends garbage gets one error frame and loses the channel.
      void this.#send({ type: 'response', id: 0, error: (error as HipError).toBody() }).finally(() =>
        this.abort('malformed frame'),
      );
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
      void this.#send({
        type: 'response',
        id: typeof frame?.id === 'number' ? frame.id : 0,
        error: { code: HipErrorCode.badRequest, message: 'expected a request frame' },
      });
    }
  }

  async #answer(frame: { id?: unknown }): Promise<void> {
    const id = typeof frame.id === 'number' ? frame.id : 0;
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

  #settle(id: number, error?: HipErrorBody, result?: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(HipError.fromBody(error));
    else pending.resolve(result);
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(
        this.#fatal ??
          new HipError(HipErrorCode.unreachable, 'the peer closed the connection before answering', { id }),
      );
    }
    this.#pending.clear();
    this.#handlers.onClose?.(error);
  }
}
