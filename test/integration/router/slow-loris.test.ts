/**
 * Attack 12 at the router (issue 14): peers that hold streams open and never finish. A client and a
 * member that send part of a frame and then nothing, a client that never reads its answers, a client
 * opening more streams over a second connection, and a member router that takes forwarded requests
 * and never answers. The router closes the stalled streams after `limits.idleStreamMs`, caps streams
 * per client, answers TIMEOUT for the silent hop within its capped budget, and serves everyone else
 * meanwhile. Each test fails if its defence is removed.
 *
 *   lorises ──> entry (fronts entry.big.thing, 20 KB descriptions) ──> silent member (never answers)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { lpStream } from '@libp2p/utils';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { signResource } from '../../../p2p/protocol/advert-signature.ts';
import { Channel } from '../../../p2p/protocol/channel.ts';
import { encryption } from '../../../p2p/protocol/encryption.ts';
import { HipError } from '../../../p2p/protocol/errors.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL, DIRECTORY_PROTOCOL, FORWARD_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { encodeLengthPrefixed } from '../../../p2p/protocol/length-prefix.ts';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { SlowChain } from './slow-chain.ts';

const BIG = 'entry.big.thing';
const SILENT = 'silent.x.y';
const IDLE_MS = 300;
const MAX_TIMEOUT_MS = 1_000;
/** An ABI of about 20 KB, so a few dozen answers fill a stream's window. */
const bigAbi = Array.from({ length: 200 }, (_, i) => ({
  type: 'function',
  name: `method${i}`,
  inputs: [],
  outputs: [],
}));

async function metric(router: Router, name: string, labels: string): Promise<number> {
  const text = await router.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

const closedFor = (router: Router, reason: string) =>
  metric(router, 'weft_router_streams_closed_total', `{reason="${reason}"}`);

/** Resolves with how long `stream` took to close, or rejects after `ms`. */
function closes(stream: Stream, ms: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (stream.status !== 'open') return resolve(0);
    const timer = setTimeout(() => reject(new Error(`the stream is still open after ${ms} ms`)), ms);
    stream.addEventListener('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

const plainNode = (privateKey?: PrivateKey) =>
  createLibp2p({
    ...(privateKey ? { privateKey } : {}),
    transports: [webSockets()],
    connectionEncrypters: [encryption()],
    streamMuxers: [streamMuxer()],
  });

describe('attack 12 at the router: slow loris', { timeout: 60_000 }, () => {
  let dir: string;
  let entry: Router;
  let silent: Libp2p;
  /** Forward streams the silent member holds, never answering. */
  const held: Stream[] = [];
  const nodes: Libp2p[] = [];
  const address = () => multiaddr(entry.addresses()[0] as string);

  async function client(): Promise<Libp2p> {
    const node = await plainNode();
    nodes.push(node);
    return node;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-loris-'));
    const entryKey = await loadOrCreatePeerKey(join(dir, 'entry'));
    const silentKey = await loadOrCreatePeerKey(join(dir, 'silent'));
    const silentId = peerIdFromPrivateKey(silentKey).toString();
    entry = await startRouter({
      config: parseRouterConfig({
        zone: 'entry',
        dataDir: join(dir, 'entry'),
        listen: ['/ip4/127.0.0.1/tcp/0/ws'],
        members: [peerIdFromPrivateKey(entryKey).toString(), silentId],
        limits: {
          idleStreamMs: IDLE_MS,
          maxClientStreams: 2,
          maxTimeoutMs: MAX_TIMEOUT_MS,
          clientRequestsPerSecond: 100_000,
        },
        admin: null,
      }),
      connectors: [new SlowChain(BIG, bigAbi)],
      logger: createLogger('silent'),
    });
    // The silent member: publishes silent.x.y with a valid signature, takes forwarded requests, says nothing.
    silent = await plainNode(silentKey);
    await silent.handle(FORWARD_PROTOCOL, (stream) => void held.push(stream));
    await silent.handle(DIRECTORY_PROTOCOL, (stream) => void stream.close().catch(() => {}));
    const description = {
      path: SILENT,
      chain: { type: 'fisco-bcos' as const, chainId: 1, groupId: 1 },
      address: '0x02',
      methods: [{ name: 'get', kind: 'read' as const, inputs: [], outputs: [] }],
    };
    const signed = await signResource(silentKey, silentId, description, Date.now());
    const directory = await silent.dialProtocol(address(), DIRECTORY_PROTOCOL);
    await lpStream(directory).write(
      encodeFrame({
        type: 'routes',
        seq: Date.now(),
        routes: [
          {
            description,
            origin: silentId,
            via: [silentId],
            issued: signed.issued,
            signature: signed.signature,
          },
        ],
      }),
    );
    const deadline = Date.now() + 5_000;
    while (!entry.directory.route(SILENT)) {
      if (Date.now() > deadline) throw new Error('entry did not learn the silent member path');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    for (const node of nodes) await node.stop();
    await silent?.stop();
    await entry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Another wallet, served promptly while the lorises hold their streams. */
  async function othersAreServed() {
    const node = await client();
    const channel = new Channel(await node.dialProtocol(address(), CLIENT_PROTOCOL), 1 << 22);
    const started = Date.now();
    const entryOf = (await channel.request({ op: 'describe', path: BIG }, { timeoutMs: 2_000 })) as {
      path: string;
    };
    assert.equal(entryOf.path, BIG);
    assert.ok(Date.now() - started < 1_000, `answered in ${Date.now() - started} ms`);
    channel.close();
  }

  test('a client that sends part of a frame and then nothing loses the stream after idleStreamMs', async () => {
    const before = await closedFor(entry, 'read-timeout');
    const node = await client();
    const stream = await node.dialProtocol(address(), CLIENT_PROTOCOL);
    const frame = encodeLengthPrefixed([
      encodeFrame({ type: 'request', id: 1, body: { op: 'describe', path: BIG } }),
    ]);
    stream.send(frame.subarray(0, 10));
    const closing = closes(stream, 5_000);
    await othersAreServed();
    const after = await closing;
    assert.ok(after < IDLE_MS + 2_000, `closed after ${after} ms`);
    assert.equal(await closedFor(entry, 'read-timeout'), before + 1);
  });

  test('a member router that sends part of a frame on the forward protocol loses the stream too', async () => {
    const before = await closedFor(entry, 'read-timeout');
    const stream = await silent.dialProtocol(address(), FORWARD_PROTOCOL);
    const frame = encodeLengthPrefixed([encodeFrame({ type: 'request', id: 1, body: { op: 'resources' } })]);
    stream.send(frame.subarray(0, 3));
    await closes(stream, 5_000);
    assert.equal(await closedFor(entry, 'read-timeout'), before + 1);
  });

  test('a client that never reads its answers loses the stream once its window is full for idleStreamMs', async () => {
    const before = await closedFor(entry, 'write-timeout');
    const node = await client();
    const stream = await node.dialProtocol(address(), CLIENT_PROTOCOL);
    stream.pause(); // reads nothing: the router's writes fill the stream's window and wait
    const request = (id: number) => encodeFrame({ type: 'request', id, body: { op: 'describe', path: BIG } });
    stream.send(encodeLengthPrefixed(Array.from({ length: 100 }, (_, i) => request(i + 1))));
    const closing = closes(stream, 5_000);
    await othersAreServed();
    await closing;
    assert.equal(await closedFor(entry, 'write-timeout'), before + 1, 'closed by the write timeout');
  });

  test('a client opening streams over a second connection is held to maxClientStreams in all', async () => {
    const before = await closedFor(entry, 'too-many-streams');
    const node = await client();
    const first = await node.dial(address());
    const second = await node.dial(address(), { force: true });
    assert.notEqual(first.id, second.id, 'two connections');
    const open = [
      new Channel(await first.newStream(CLIENT_PROTOCOL), 1 << 22),
      new Channel(await first.newStream(CLIENT_PROTOCOL), 1 << 22),
    ];
    for (const channel of open) await channel.request({ op: 'resources' });
    const third = lpStream(await second.newStream(CLIENT_PROTOCOL));
    await third.write(encodeFrame({ type: 'request', id: 1, body: { op: 'resources' } }));
    const answer = decodeFrame((await third.read({ signal: AbortSignal.timeout(3_000) })).subarray()) as {
      id: number;
      error?: { code: string };
    };
    assert.deepEqual([answer.id, answer.error?.code], [0, 'RATE_LIMITED']);
    assert.equal(await closedFor(entry, 'too-many-streams'), before + 1);
    for (const channel of open) channel.close();
  });

  test("a member that never answers: forwarded requests fail with TIMEOUT within the router's capped budget", async () => {
    const node = await client();
    const channel = new Channel(await node.dialProtocol(address(), CLIENT_PROTOCOL), 1 << 22);
    const started = Date.now();
    const asked = channel.request(
      { op: 'call', path: SILENT, method: 'get', args: [] },
      { timeoutMs: 600_000 },
    );
    await othersAreServed();
    await assert.rejects(asked, (error: unknown) => error instanceof HipError && error.code === 'TIMEOUT');
    const waited = Date.now() - started;
    assert.ok(waited < MAX_TIMEOUT_MS + 1_000, `TIMEOUT after ${waited} ms`);
    assert.ok(held.length >= 1, 'the request reached the silent member');
    channel.close();
  });
});
