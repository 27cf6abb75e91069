/**
 * Property-based fuzzing of HIP against live routers (issue 15): a devnode with Weft's contracts,
 * r1 fronting it and r2 fronting nothing (so r2 forwards to r1), and a peer of our own that both
 * routers list as a member, so it may open the forward protocol too. Each case writes bytes on a
 * real libp2p stream: frames generated from the request schema with hostile field values, valid
 * frames mutated byte by byte, raw garbage, and bad or oversized length prefixes.
 *
 * The oracle splits what was sent the way the router's FrameReader does and says, frame by frame,
 * what must come back: undecodable bytes or an oversized prefix get one id-0 error frame
 * (BAD_REQUEST / TOO_LARGE) and the stream closes; a request that fails the schema gets
 * BAD_REQUEST under its id; any other request gets a result of the right shape or a typed HIP
 * error, never INTERNAL; response and event frames get nothing. After each case the router answers
 * a valid request, and a refused case leaves the chain as it was (height, pending pool, state root).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Libp2p, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';
import { createLibp2p } from 'libp2p';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { assetArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { deployWeftContracts } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { encryption } from '../../../p2p/protocol/encryption.ts';
import { HipErrorCode } from '../../../p2p/protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL, FORWARD_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import {
  encodeLengthPrefixed,
  FrameReader,
  FrameTooLargeError,
} from '../../../p2p/protocol/length-prefix.ts';
import { requestFrame } from '../../../p2p/protocol/messages.ts';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { recordFuzzCount } from '../../fuzz.ts';
import { checkProperty, printable } from '../fuzz-check.ts';

const MAX_FRAME = 64 * 1024; // the routers' limit here: small, so oversized frames are cheap to send
const ANSWER_MS = 15_000;
const encoder = new TextEncoder();
const abi = assetArtifact.abi as never;
const CODES = new Set<string>(Object.values(HipErrorCode));
/** Errors that are not refusals: the input may still take effect (a transaction can still commit). */
const NOT_REFUSALS = new Set<string>([HipErrorCode.timeout, HipErrorCode.chainTimeout]);

type Protocol = 'client' | 'forward';
type RouterName = 'r1' | 'r2';

interface Frame {
  type?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

/** One libp2p stream read frame by frame, the way the router reads it. */
class RawStream {
  readonly stream: Stream;
  readonly #reader = new FrameReader(16 * 1024 * 1024);
  readonly #frames: Frame[] = [];
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(stream: Stream) {
    this.stream = stream;
    stream.addEventListener('message', (event) => {
      const chunk = event.data instanceof Uint8Array ? event.data : event.data.subarray();
      for (const bytes of this.#reader.push(chunk)) this.#frames.push(decodeFrame(bytes) as Frame);
      this.#wake?.();
    });
    const closed = () => {
      this.#closed = true;
      this.#wake?.();
    };
    stream.addEventListener('close', closed);
    stream.addEventListener('end', closed);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.stream.send(bytes)) await this.stream.onDrain({ signal: AbortSignal.timeout(ANSWER_MS) });
  }

  /** The next frame that is not a pushed event, or undefined once the stream has closed. */
  async next(what: string): Promise<Frame | undefined> {
    const deadline = Date.now() + ANSWER_MS;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame && frame.type === 'event') continue;
      if (frame) return frame;
      if (this.#closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${ANSWER_MS} ms: ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  /** Frames that arrived and were not read (events aside). */
  unread(): Frame[] {
    return this.#frames.filter((f) => f.type !== 'event');
  }
}

// ---- what the router must answer -------------------------------------------------------------

type Expect =
  | { kind: 'hangup'; codes: string[] }
  | { kind: 'answer'; id: unknown; badRequest: boolean; op?: string; body?: unknown }
  | { kind: 'silence' };

/** Splits `bytes` as the router's FrameReader does, and says what each frame must get back. */
function expectations(bytes: Uint8Array): { expects: Expect[]; partial: boolean } {
  const reader = new FrameReader(MAX_FRAME);
  let frames: Uint8Array[];
  try {
    frames = reader.push(bytes);
  } catch (error) {
    assert.ok(error instanceof FrameTooLargeError);
    // The transport may cut a long write into chunks: the router can reach an undecodable frame
    // before the oversized prefix, and hang up for that instead.
    const early = framesBefore(bytes, MAX_FRAME).some((frame) => expectFor(frame).kind === 'hangup');
    const codes = early ? [HipErrorCode.tooLarge, HipErrorCode.badRequest] : [HipErrorCode.tooLarge];
    return { expects: [{ kind: 'hangup', codes }], partial: false };
  }
  const expects: Expect[] = [];
  for (const frame of frames) {
    const expect = expectFor(frame);
    expects.push(expect);
    if (expect.kind === 'hangup') return { expects, partial: false };
  }
  // A frame cut short: the router waits for the rest and answers nothing more.
  const partial = encodeLengthPrefixed(frames).length !== bytes.length;
  return { expects, partial };
}

/** The whole frames ahead of the first prefix over `limit` (or cut short). */
function framesBefore(bytes: Uint8Array, limit: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    let length = 0;
    let factor = 1;
    let at = offset;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined || at - offset > 8) return frames;
      length += (byte & 0x7f) * factor;
      factor *= 0x80;
      if (byte < 0x80) break;
    }
    if (length > limit || at + length > bytes.length) return frames;
    frames.push(bytes.subarray(at, at + length));
    offset = at + length;
  }
  return frames;
}

function expectFor(bytes: Uint8Array): Expect {
  let value: unknown;
  try {
    value = decodeFrame(bytes);
  } catch {
    return { kind: 'hangup', codes: [HipErrorCode.badRequest] };
  }
  const frame = value as Frame | null;
  // An id JSON cannot carry back (1e999 parses to Infinity) is answered as 0, like a missing one.
  const id = typeof frame?.id === 'number' && Number.isFinite(frame.id) ? frame.id : 0;
  // Answers (to nothing the router asked) and events are read and dropped; a response without an id is garbage.
  if ((frame?.type === 'response' && typeof frame.id === 'number') || frame?.type === 'event') {
    return { kind: 'silence' };
  }
  if (frame?.type !== 'request') return { kind: 'answer', id, badRequest: true };
  const parsed = requestFrame.safeParse(value);
  if (!parsed.success) return { kind: 'answer', id, badRequest: true };
  return { kind: 'answer', id, badRequest: false, op: parsed.data.body.op, body: parsed.data.body };
}

/** A frame for an assertion message: short, and bigints are fine. */
function show(value: unknown): string {
  return inspect(value, { depth: 3, maxArrayLength: 10, maxStringLength: 200, breakLength: Infinity });
}

function isBigint(value: unknown): boolean {
  return typeof value === 'bigint';
}

/** A result of the shape `op` returns (docs/router-protocol.md, Bodies). */
function checkResult(op: string, body: Record<string, unknown>, result: unknown): void {
  const r = result as Record<string, unknown> | null;
  const object = typeof r === 'object' && r !== null && !Array.isArray(r);
  switch (op) {
    case 'resources':
      assert.ok(Array.isArray(result), 'resources: an array');
      break;
    case 'describe':
      assert.ok(object && r.path === body.path, 'describe: the entry for the path');
      break;
    case 'chainInfo':
      assert.ok(object && isBigint(r.blockNumber), 'chainInfo: a block number');
      break;
    case 'call':
      assert.ok(object && Array.isArray(r.values) && typeof r.raw === 'string', 'call: values and raw');
      break;
    case 'submit':
      assert.ok(object && typeof r.txId === 'string' && isBigint(r.blockNumber), 'submit: a receipt');
      break;
    case 'getBlock':
      assert.ok(r === null || (object && isBigint(r.number)), 'getBlock: a block or null');
      break;
    case 'getTransaction':
      assert.ok(
        r === null || (object && typeof r.txId === 'string'),
        'getTransaction: a transaction or null',
      );
      break;
    case 'subscribe':
      assert.ok(object && typeof r.subscription === 'string', 'subscribe: a subscription id');
      break;
    case 'unsubscribe':
      assert.deepEqual(result, { ok: true });
      break;
    case 'readGranted':
      assert.ok(object && typeof r.record === 'string', 'readGranted: a record');
      break;
    case 'ttmReveal':
      assert.ok(object && r.hashLock === body.hashLock && typeof r.fresh === 'boolean', 'ttmReveal');
      break;
    default:
      assert.fail(`a result for ${op}, which never succeeds here`);
  }
}

/** A typed HIP error body: a known code (never INTERNAL) and a message. */
function checkError(error: Frame['error']): string {
  assert.ok(error && typeof error === 'object', 'an error object');
  const { code, message } = error;
  assert.ok(typeof code === 'string' && CODES.has(code), `a HIP error code, got ${String(code)}`);
  assert.notEqual(code, HipErrorCode.internal, `INTERNAL: ${String(message)}`);
  assert.equal(typeof message, 'string');
  return code;
}

type AnswerExpect = Extract<Expect, { kind: 'answer' }>;

/** Whether `frame` can be the answer to `expect`: the id, the kind of refusal, the result's shape. */
function canAnswer(frame: Frame, expect: AnswerExpect): boolean {
  if (frame.id !== expect.id) return false;
  // A request the schema takes may still be refused (BAD_REQUEST for a frame nested too deep to
  // forward, or any typed error); one the schema refuses must be refused as BAD_REQUEST.
  if (frame.error !== undefined) return !expect.badRequest || frame.error.code === HipErrorCode.badRequest;
  if (expect.badRequest) return false;
  try {
    checkResult(expect.op as string, expect.body as Record<string, unknown>, frame.result);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pairs each answer with the request it answers. Requests of one case may share an id and their
 * answers arrive in any order, so this finds an assignment where every pair fits (backtracking;
 * with a step budget, as a case may hold dozens of frames of one id). Where none is found, a pair
 * by id alone, for the checks to fail on.
 */
function pairAnswers(frames: Frame[], expects: AnswerExpect[]): [Frame, AnswerExpect | undefined][] {
  const used = new Array<boolean>(expects.length).fill(false);
  const chosen: number[] = [];
  let steps = 0;
  const search = (i: number): boolean => {
    if (i === frames.length) return true;
    if (++steps > 10_000) return false;
    for (let j = 0; j < expects.length; j++) {
      if (used[j] || !canAnswer(frames[i] as Frame, expects[j] as AnswerExpect)) continue;
      used[j] = true;
      chosen[i] = j;
      if (search(i + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  if (search(0)) return frames.map((frame, i) => [frame, expects[chosen[i] as number]]);
  const left = [...expects];
  return frames.map((frame) => {
    const at = left.findIndex((e) => e.id === frame.id);
    return [frame, at < 0 ? undefined : left.splice(at, 1)[0]];
  });
}

// ---- generators ------------------------------------------------------------------------------

const KNOWN_PATHS = ['payment.bcos.asset', 'payment.bcos.kv', 'payment.bcos.records'];
const hexChars = '0123456789abcdefABCDEF';

const hex = (maxBytes: number) =>
  fc.uint8Array({ maxLength: maxBytes }).map((b) => `0x${Buffer.from(b).toString('hex')}`);
const bytes32 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => `0x${Buffer.from(b).toString('hex')}`);
const badHex = fc.oneof(
  fc.constantFrom(
    '',
    '0x',
    '0',
    '0x0',
    '0xg0',
    'zz',
    '0X00',
    ' 0x00',
    '0x00 ',
    '0x-1',
    '0x'.padEnd(200_000, 'f'),
  ),
  fc.string({ unit: fc.constantFrom(...hexChars, 'x', 'g', ' ', '\u0000') }),
);
const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '$bigint',
);
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  hostileKey,
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a'.repeat(300), '../../etc/passwd', '%s%n', '{{x}}'),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    1e21,
    1e308,
    600_000,
    600_001,
  ),
);
const bigintTag = fc.oneof(
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((n) => ({ $bigint: n.toString() })),
  fc.constantFrom(
    { $bigint: '' },
    { $bigint: '1e3' },
    { $bigint: '0x10' },
    { $bigint: 1 },
    { $bigint: '1', x: 1 },
  ),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    bigintTag,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'trade.fab.asset',
      'nowhere.chain.thing',
      'payment.bcos.nope',
      '__proto__.bcos.asset',
      'payment.__proto__.asset',
      'payment.bcos.__proto__',
      'payment.bcos.constructor',
      `${'a'.repeat(66)}.${'b'.repeat(66)}.${'c'.repeat(66)}`,
    ),
  },
  { weight: 2, arbitrary: hostileString },
);
const methodName = fc.oneof(
  fc.constantFrom(
    'balanceOf',
    'totalSupply',
    'transfer',
    'get',
    'set',
    'name',
    'decimals',
    'allowance',
    'approve',
  ),
  hostileString,
);
/** Arguments the ABI might or might not take: addresses, amounts, strings, hostile values. */
const callArgs = fc.array(
  fc.oneof(
    fc.constantFrom('0x00000000000000000000000000000000000000b0', 'key', ''),
    hex(40),
    fc.bigInt({ min: -(2n ** 260n), max: 2n ** 260n }),
    anyValue,
  ),
  { maxLength: 5 },
);

interface Context {
  /** Valid signed transfers to the asset contract from an account with no balance, and one for another chain. */
  signedTxs: string[];
}

/** A well-formed or nearly well-formed body for each op, with hostile values in its fields. */
function bodyArb(ctx: Context): fc.Arbitrary<Record<string, unknown>> {
  const signed = fc.oneof(
    fc.constantFrom(...ctx.signedTxs),
    fc.tuple(fc.constantFrom(...ctx.signedTxs), fc.nat(), fc.nat(255)).map(([tx, at, byte]) => {
      // One byte of a valid signed transaction changed: bad RLP, bad signature, other sender ...
      const bytes = Buffer.from(tx.slice(2), 'hex');
      bytes[at % bytes.length] = byte;
      return `0x${bytes.toString('hex')}`;
    }),
    hex(300),
    badHex,
  );
  return fc.oneof(
    fc.record({ op: fc.constant('resources') }),
    fc.record({ op: fc.constantFrom('describe', 'chainInfo', 'subscribe'), path }),
    fc.record(
      {
        op: fc.constant('call'),
        path,
        method: methodName,
        args: fc.oneof({ weight: 5, arbitrary: callArgs }, { weight: 1, arbitrary: anyValue }),
        from: fc.oneof(hostileString, fc.constant('0x00000000000000000000000000000000000000b0')),
        signed,
      },
      { requiredKeys: ['op', 'path', 'method', 'args'] },
    ),
    fc.record(
      { op: fc.constantFrom('prepare', 'submit'), path, signed },
      { requiredKeys: ['op', 'path', 'signed'] },
    ),
    fc.record(
      {
        op: fc.constant('submit'),
        path: fc.constant('payment.bcos.asset'),
        signed,
        timeoutMs: hostileNumber,
      },
      { requiredKeys: ['op', 'path', 'signed'] },
    ),
    fc.record({
      op: fc.constant('getBlock'),
      path,
      number: fc.oneof(bigintTag, hostileNumber, hostileString),
    }),
    fc.record({ op: fc.constant('getTransaction'), path, txId: fc.oneof(bytes32, hostileString, badHex) }),
    fc.record({
      op: fc.constant('unsubscribe'),
      subscription: fc.oneof(
        fc.nat(60).map((n) => `s${n}`),
        hostileString,
      ),
    }),
    fc.record({ op: fc.constant('readGranted'), path, grant: anyValue, proof: anyValue }),
    fc.record(
      {
        op: fc.constant('ttmReveal'),
        hashLock: fc.oneof(bytes32, badHex),
        preimage: fc.oneof(bytes32, badHex, hostileNumber),
        ids: fc.array(fc.oneof(bytes32, badHex), { maxLength: 10 }),
      },
      { requiredKeys: ['op', 'hashLock', 'preimage'] },
    ),
    // A secret that matches its hash lock: a valid reveal nobody locked anything under.
    bytes32.map((preimage) => ({
      op: 'ttmReveal',
      hashLock: `0x${createHash('sha256')
        .update(Buffer.from(preimage.slice(2), 'hex'))
        .digest('hex')}`,
      preimage,
    })),
    fc.record({ op: fc.oneof(hostileString, fc.constantFrom('fly', 'RESOURCES', 'call ')) }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), anyValue, { maxKeys: 5 }),
  );
}

/** A request frame: mostly well-formed around the body, with hostile ids, hop budgets and deadlines. */
function frameArb(ctx: Context): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(
      {
        type: fc.oneof(
          { weight: 12, arbitrary: fc.constant('request') },
          fc.constantFrom('response', 'event', 'REQUEST', ''),
          anyValue,
        ),
        id: fc.oneof({ weight: 8, arbitrary: fc.nat(1_000_000) }, hostileNumber, anyValue),
        timeoutMs: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 1, max: 30_000 }) },
          hostileNumber,
          anyValue,
        ),
        hopsLeft: fc.oneof(
          { weight: 4, arbitrary: fc.nat(10) },
          fc.constantFrom(-1, 0, 1, 63, 64, 65, 2 ** 31, 0.5),
          anyValue,
        ),
        body: fc.oneof({ weight: 10, arbitrary: bodyArb(ctx) }, anyValue),
        extra: anyValue,
      },
      { requiredKeys: ['type', 'id', 'body'] },
    )
    .chain((frame) =>
      // Now and then a hostile own key on the frame or the body (JSON.stringify writes own keys as they are).
      fc.option(fc.tuple(hostileKey, anyValue, fc.boolean()), { freq: 4 }).map((extra) => {
        if (!extra) return frame;
        const [key, value, onBody] = extra;
        // On copies: generated values may be shared constants, and a key set on one could make a cycle.
        const hostile = (target: object) => {
          const copy = Array.isArray(target) ? [...target] : { ...target };
          Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
          return copy;
        };
        if (onBody && typeof frame.body === 'object' && frame.body !== null)
          return { ...frame, body: hostile(frame.body) };
        return hostile(frame) as Record<string, unknown>;
      }),
    );
}

/** The bytes of one case: length-prefixed frames, mutated frames, garbage and bad prefixes. */
function bytesArb(ctx: Context): fc.Arbitrary<Uint8Array> {
  const encoded = frameArb(ctx).map((f) => encodeFrame(f));
  const mutated = fc
    .tuple(
      encoded,
      fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([frame, edits]) => {
      const bytes = [...frame];
      for (const [at, byte, how] of edits) {
        const i = at % (bytes.length + 1);
        if (how === 'set' && i < bytes.length) bytes[i] = byte;
        else if (how === 'insert') bytes.splice(i, 0, byte);
        else bytes.splice(i, 1);
      }
      return Uint8Array.from(bytes);
    });
  const jsonText = fc
    .oneof(
      fc.constantFrom(
        '{"type":"request","id":1,"body":{"op":"getBlock","path":"payment.bcos.asset","number":{"$bigint":"1e999"}}}',
        '{"type":"request","id":1e999,"body":{"op":"resources"}}',
        '{"type":"request","id":2,"hopsLeft":1e999,"body":{"op":"resources"}}',
        '{"type":"request","id":3,"body":{"op":"resources"},"body":{"op":"fly"}}',
        '{"type":"request","id":4,"body":{"op":"describe","path":"payment.bcos.asset","__proto__":{"op":"call"}}}',
        '{"type":"request","id":5,"__proto__":{"type":"request"},"body":{"op":"resources"}}',
        '{"type":"request","id":6,"body":{"op":"describe","path":"payment\\u002ebcos.asset"}}',
        '{"type":"request","id":7,"body":{"op":"getBlock","path":"payment.bcos.asset","number":{"\\u0024bigint":"5"}}}',
        '{"type":"response","id":0,"error":null}',
        '{"type":"response","id":0,"error":{"code":"INTERNAL"}}',
        '{"type":"event","subscription":"s1"}',
        'null',
        '[]',
        '"request"',
        '12',
        '\ufeff{"type":"request","id":8,"body":{"op":"resources"}}',
      ),
      fc
        .nat({ max: 20_000 })
        .map(
          (depth) =>
            `{"type":"request","id":9,"body":{"op":"call","path":"payment.bcos.kv","method":"get","args":[${'['.repeat(depth)}${']'.repeat(depth)}]}}`,
        ),
      fc.nat({ max: 20_000 }).map((depth) => `${'{"$bigint":'.repeat(depth)}"1"${'}'.repeat(depth)}`),
    )
    .map((text) => encoder.encode(text));
  const frames = fc.oneof(
    { weight: 10, arbitrary: encoded },
    { weight: 4, arbitrary: mutated },
    { weight: 2, arbitrary: jsonText },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(MAX_FRAME + 1)) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  );
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.array(frames, { minLength: 1, maxLength: 3 }).map((fs) => encodeLengthPrefixed(fs)),
    },
    // Raw garbage with no framing, or one whose prefix lies about its length.
    { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 128 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          frames,
          fc.oneof(fc.nat(MAX_FRAME * 2), fc.constantFrom(2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER)),
        )
        .map(([frame, length]) => {
          const lengthBytes: number[] = [];
          for (let n = length; ; n = Math.floor(n / 0x80)) {
            if (n < 0x80) {
              lengthBytes.push(n);
              break;
            }
            lengthBytes.push((n % 0x80) | 0x80);
          }
          return Uint8Array.from([...lengthBytes, ...frame]);
        }),
    },
    { weight: 1, arbitrary: fc.nat({ max: 12 }).map((n) => new Uint8Array(n + 1).fill(0xff)) },
  );
}

function balanceOf(client: FiscoRpcClient, asset: string, holder: string): Promise<string> {
  return client.callChecked({ to: asset, data: encodeCall(abi, 'balanceOf', [holder]), from: holder });
}

// ---- the network ------------------------------------------------------------------------------

describe('HIP fuzzing against live routers', { timeout: 3_600_000 }, () => {
  let dir: string;
  let devnode: Devnode;
  const routers = new Map<RouterName, Router>();
  let fuzzer: Libp2p;
  let ctx: Context;
  let watched: { client: FiscoRpcClient; asset: string; holder: string; balance: string };
  const persistent = new Map<string, RawStream>();
  let nextLiveId = 2 ** 40;

  function address(name: RouterName): string {
    const router = routers.get(name) as Router;
    return router.addresses().find((a) => !a.includes('/ws')) as string;
  }

  async function open(name: RouterName, protocol: Protocol): Promise<RawStream> {
    const id = protocol === 'client' ? CLIENT_PROTOCOL : FORWARD_PROTOCOL;
    return new RawStream(
      await fuzzer.dialProtocol(multiaddr(address(name)), id, { signal: AbortSignal.timeout(ANSWER_MS) }),
    );
  }

  async function stream(name: RouterName, protocol: Protocol): Promise<RawStream> {
    const key = `${name}/${protocol}`;
    let s = persistent.get(key);
    if (!s || s.closed) {
      s = await open(name, protocol);
      persistent.set(key, s);
    }
    return s;
  }

  /** Height, pending pool and state root: a refused input must leave all three as they were. */
  function chainState() {
    const ledger = devnode.ledger;
    const height = ledger.blockNumber;
    return { height, pending: ledger.pendingCount, stateRoot: ledger.block(height)?.header.stateRoot };
  }

  async function settled(): Promise<void> {
    const deadline = Date.now() + ANSWER_MS;
    while (devnode.ledger.pendingCount > 0) {
      if (Date.now() > deadline) throw new Error('pending transactions never sealed');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The router still serves: a valid request on the long-lived stream gets its result. */
  async function stillServes(name: RouterName, protocol: Protocol): Promise<void> {
    const s = await stream(name, protocol);
    const id = nextLiveId++;
    await s.write(encodeLengthPrefixed([encodeFrame({ type: 'request', id, body: { op: 'resources' } })]));
    const answer = await s.next('a valid request after the case');
    assert.ok(answer, 'the long-lived stream closed');
    assert.equal(answer.id, id, `an answer to the valid request, got ${show(answer)}`);
    assert.ok(Array.isArray(answer.result) && answer.result.length === KNOWN_PATHS.length, 'every path');
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-hip-fuzz-'));
    devnode = await startDevnode({ port: 0, blockIntervalMs: 10, sealerCount: 1 });
    const client = new FiscoRpcClient({ url: devnode.url, groupId: 1 });
    const deployer = EcdsaSigner.random();
    const contracts = await deployWeftContracts({ client, signer: deployer, chainId: 1 });
    const asset = contracts.find((c) => c.name === 'asset')?.address as string;

    const fuzzerKey = await generateKeyPair('Ed25519');
    const names: RouterName[] = ['r1', 'r2'];
    const keys = await Promise.all(names.map((n) => loadOrCreatePeerKey(join(dir, n))));
    const members = [...keys, fuzzerKey].map((k) => peerIdFromPrivateKey(k).toString());
    for (const name of names) {
      const config = parseRouterConfig({
        zone: name === 'r1' ? 'payment' : 'trade',
        dataDir: join(dir, name),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        bootstrap: name === 'r2' ? [address('r1')] : [],
        members,
        admin: null,
        // Limits that let the fuzzer through: the rate limit would otherwise answer most cases.
        limits: { maxMessageBytes: MAX_FRAME, clientRequestsPerSecond: 1_000_000, maxClientStreams: 64 },
      });
      const connectors =
        name === 'r1'
          ? [
              new FiscoBcosConnector({
                url: devnode.url,
                chainId: 1,
                groupId: 1,
                zone: 'payment',
                chainName: 'bcos',
                resources: contracts,
              }),
            ]
          : [];
      routers.set(name, await startRouter({ config, connectors, logger: createLogger('silent') }));
    }
    await waitForDirectory([...routers.values()], KNOWN_PATHS.length);

    fuzzer = await createLibp2p({
      privateKey: fuzzerKey,
      transports: [tcp()],
      connectionEncrypters: [encryption()],
      streamMuxers: [streamMuxer()],
    });

    // Transfers signed by an account with no balance: valid on the wire, reverted if executed.
    const poor = EcdsaSigner.random();
    const height = devnode.ledger.blockNumber;
    const transfer = (to: string, chainId: number, blockLimit: bigint) =>
      signTransaction(
        transactionFields({
          to,
          data: encodeCall(abi, 'transfer', [deployer.address, 1n]),
          chainId,
          groupId: 1,
          blockLimit,
        }),
        poor,
      ).raw;
    ctx = {
      signedTxs: [
        transfer(asset, 1, height + 900n),
        transfer(asset, 2, height + 900n),
        transfer(asset, 1, height + 5000n),
        transfer(contracts[1]?.address as string, 1, height + 900n),
      ],
    };
    watched = {
      client,
      asset,
      holder: deployer.address,
      balance: await balanceOf(client, asset, deployer.address),
    };
  });

  after(async () => {
    for (const s of persistent.values()) s.stream.abort(new Error('done'));
    await fuzzer?.stop();
    for (const router of routers.values()) await router.stop();
    await devnode?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One case: send `bytes` on `protocol` to `name` and check every answer against the oracle. */
  async function runCase(
    name: RouterName,
    protocol: Protocol,
    bytes: Uint8Array,
  ): Promise<'refused' | 'served'> {
    await settled();
    const before = chainState();
    const { expects, partial } = expectations(bytes);
    const hangup = expects.find((e) => e.kind === 'hangup');
    // A case that ends the stream (or leaves it waiting for a frame's rest) gets a stream of its own.
    const s = hangup || partial ? await open(name, protocol) : await stream(name, protocol);
    await s.write(bytes);
    let refused = 0;
    let served = 0;
    if (hangup) {
      // Every frame back is well-formed; the last word is one id-0 error, then the stream closes.
      // (answers to requests earlier in the same write may still go out with it).
      const frames: Frame[] = [];
      for (let frame = await s.next('the hang-up'); frame; frame = await s.next('the hang-up')) {
        assert.equal(frame.type, 'response');
        if (frame.error !== undefined) checkError(frame.error);
        frames.push(frame);
      }
      const lastWord = frames.find((f) => f.id === 0 && hangup.codes.includes(f.error?.code as string));
      assert.ok(lastWord, `an id-0 ${hangup.codes.join(' or ')} before the hang-up, got ${show(frames)}`);
      refused++;
    } else {
      const answers = expects.filter((e): e is Extract<Expect, { kind: 'answer' }> => e.kind === 'answer');
      const frames: Frame[] = [];
      while (frames.length < answers.length) {
        const frame = await s.next('an answer to each request');
        assert.ok(frame, 'the stream closed before every request was answered');
        assert.equal(frame.type, 'response');
        frames.push(frame);
      }
      const subscriptions: string[] = [];
      for (const [frame, expect] of pairAnswers(frames, answers)) {
        assert.ok(expect, `an answer nobody asked for: ${show(frame)}`);
        if (frame.error !== undefined) {
          const code = checkError(frame.error);
          if (expect.badRequest) assert.equal(code, HipErrorCode.badRequest, String(frame.error.message));
          if (!NOT_REFUSALS.has(code)) refused++;
        } else {
          assert.ok(!expect.badRequest, `a result for a request the schema refuses: ${show(frame)}`);
          assert.ok('result' in frame, 'a response with neither result nor error');
          checkResult(expect.op as string, expect.body as Record<string, unknown>, frame.result);
          served++;
          if (expect.op === 'subscribe')
            subscriptions.push((frame.result as { subscription: string }).subscription);
        }
      }
      // Keep the long-lived stream under its subscription limit.
      for (const subscription of subscriptions) {
        const id = nextLiveId++;
        await s.write(
          encodeLengthPrefixed([
            encodeFrame({ type: 'request', id, body: { op: 'unsubscribe', subscription } }),
          ]),
        );
        const answer = await s.next('unsubscribe');
        assert.deepEqual([answer?.id, answer?.result], [id, { ok: true }]);
      }
      if (partial) s.stream.abort(new Error('case over'));
    }
    if (refused > 0 && served === 0) {
      // Refused input leaves the chain as it was.
      assert.deepEqual(chainState(), before, 'the chain changed on refused input');
    }
    await stillServes(name, protocol);
    return refused > 0 && served === 0 ? 'refused' : 'served';
  }

  for (const protocol of ['client', 'forward'] as const) {
    test(`${protocol} protocol: every frame gets a valid result or a typed error, and the routers keep serving`, async () => {
      let cases = 0;
      let refused = 0;
      await checkProperty(
        fc.asyncProperty(fc.constantFrom<RouterName>('r1', 'r2'), bytesArb(ctx), async (name, bytes) => {
          cases++;
          try {
            if ((await runCase(name, protocol, bytes)) === 'refused') refused++;
          } catch (error) {
            throw new Error(`${(error as Error).message}\n  sent to ${name}: ${printable(bytes)}`, {
              cause: error,
            });
          }
        }),
        2500,
      );
      // The routers are alive and the watched balance never moved.
      for (const name of routers.keys()) await stillServes(name, protocol);
      assert.equal(await balanceOf(watched.client, watched.asset, watched.holder), watched.balance);
      recordFuzzCount(`hip-${protocol}`, { cases, refused });
    });
  }
});
