/**
 * The router pool's own rules, with scripted links instead of a network: which routers a request
 * may go through (the configured ones, then origin routers named by `entry.addresses`, a demoted
 * one last), failing over and demoting, leaving a liar on the main link, bounded further links
 * closed when idle, and what only the main link or one router may carry.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import {
  LightClient,
  type LightClientOptions,
  type LightClientStatus,
} from '../../../p2p/client/light-client.ts';
import { originAddresses, RouterPool } from '../../../p2p/client/router-pool.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';
import type { RequestBody, ResourceEntry } from '../../../p2p/protocol/messages.ts';

let ids: string[];
const address = (id: string, port = 4000) => `/ip4/127.0.0.1/tcp/${port}/ws/p2p/${id}`;

before(async () => {
  ids = await Promise.all(
    Array.from({ length: 4 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()),
  );
});

/** What each router answers (by peer id): a value, or a thrown error. */
type Script = Record<string, (body: RequestBody) => unknown>;

/** A link that connects at once to the first router of its list and answers as the script says. */
class ScriptedLink extends LightClient {
  readonly router: string;
  readonly avoided: string[] = [];
  stopped = false;
  readonly #script: Script;

  constructor(options: LightClientOptions, script: Script) {
    super(options);
    const first = options.routers[0] as string;
    this.router = first.slice(first.lastIndexOf('/p2p/') + 5);
    this.#script = script;
  }

  override get status(): LightClientStatus {
    return this.stopped ? { router: null, state: 'stopped' } : { router: this.router, state: 'connected' };
  }

  override async connect(): Promise<void> {}

  override async request<B extends RequestBody>(body: B): Promise<never> {
    const answer = this.#script[this.router]?.(body);
    return (await answer) as never;
  }

  override avoid(router: string): void {
    this.avoided.push(router);
  }

  override async stop(): Promise<void> {
    this.stopped = true;
  }
}

function pool(routers: string[], script: Script, options: { maxLinks?: number; idleMs?: number } = {}) {
  const links: ScriptedLink[] = [];
  const made = new RouterPool({
    routers,
    newLink: (o) => {
      const link = new ScriptedLink(o, script);
      links.push(link);
      return link;
    },
    ...options,
  });
  return { pool: made, links, main: links[0] as ScriptedLink };
}

const entry = (path: string, router: string, addresses: unknown): ResourceEntry =>
  ({ path, router, hops: 1, addresses }) as unknown as ResourceEntry;

describe('originAddresses', () => {
  test('only WebSocket addresses the wallet may dial that end with the entry’s router', () => {
    const [origin, other] = ids as [string, string];
    const good = address(origin, 4100);
    const secure = `/dns4/origin.example/tcp/443/wss/p2p/${origin}`;
    assert.deepEqual(
      originAddresses(
        entry('pay.bcos.asset', origin, [
          good,
          secure,
          address(other), // another router: a relay naming itself
          `/ip4/10.0.0.8/tcp/4100/ws/p2p/${origin}`, // plain ws off loopback
          `/ip4/127.0.0.1/tcp/4100/p2p/${origin}`, // not WebSocket
          'not a multiaddr',
          42,
        ]),
      ),
      [good, secure],
    );
    assert.deepEqual(originAddresses(entry('pay.bcos.asset', origin, undefined)), []);
    assert.deepEqual(originAddresses(entry('pay.bcos.asset', origin, 'one')), []);
  });
});

describe('RouterPool', () => {
  test('candidates: the main link’s router, the configured ones, then origin routers of the path’s zone', async () => {
    const [a, b, origin] = ids as [string, string, string];
    const { pool: p } = pool([address(a), address(b)], {
      [a]: (body) => (body.op === 'describe' ? entry(body.path, origin, [address(origin, 4200)]) : null),
    });
    assert.deepEqual(p.candidates('pay.bcos.asset'), [a, b]);
    await p.describe('pay.bcos.asset');
    assert.deepEqual(p.candidates('pay.bcos.asset'), [a, b, origin]);
    assert.deepEqual(p.candidates('pay.bcos.other'), [a, b, origin], 'the same zone');
    assert.deepEqual(p.candidates('trade.fab.asset'), [a, b], 'not another zone');
    assert.deepEqual(p.candidates(), [a, b]);
    await p.stop();
  });

  test('a stall moves a read to the next router; the staller is demoted and the main link leaves it', async () => {
    const [a, b] = ids as [string, string];
    const {
      pool: p,
      links,
      main,
    } = pool([address(a), address(b)], {
      [a]: () => {
        throw new HipError(HipErrorCode.timeout, 'no answer to chainInfo within 5000 ms');
      },
      [b]: () => ({ blockNumber: 7n }),
    });
    assert.deepEqual(await p.request({ op: 'chainInfo', path: 'pay.bcos.asset' }), { blockNumber: 7n });
    assert.equal(p.health.demotion(a)?.kind, 'stall');
    assert.deepEqual(main.avoided, [a]);
    assert.equal(links.length, 2, 'one further link, to B');
    assert.deepEqual(p.candidates('pay.bcos.asset'), [b, a]);
    await p.stop();
  });

  test('attempt: a lie found by the caller’s check moves on; the liar is demoted, the further link to it closed', async () => {
    const [a, b] = ids as [string, string];
    const { pool: p, links } = pool([address(b), address(a)], {
      [a]: () => 'forged',
      [b]: () => 'forged',
    });
    // B is the main link here; A answers through a further link.
    let checks = 0;
    const verified = await p.attempt(async (link) => {
      checks++;
      if (link.status.router === b)
        throw new EvidenceRefusedError('pay.bcos.asset', 'the receipt does not fold');
      return `verified via ${link.status.router}`;
    });
    assert.equal(verified, `verified via ${a}`);
    assert.equal(checks, 2);
    assert.equal(p.health.demotion(b)?.kind, 'lie');
    assert.equal(links.filter((l) => l.stopped).length, 0);
    // And now A lies too: its further link is closed.
    await assert.rejects(
      p.attempt(async (link) => {
        if (link.status.router === a) throw new EvidenceRefusedError('pay.bcos.asset', 'forged');
        throw new EvidenceRefusedError('pay.bcos.asset', 'forged again');
      }),
      EvidenceRefusedError,
    );
    assert.equal(links[1]?.stopped, true);
    await p.stop();
  });

  test('a granted read is tried on one router only: its proof may not be shown twice', async () => {
    const [a, b] = ids as [string, string];
    const asked: string[] = [];
    const { pool: p } = pool([address(a), address(b)], {
      [a]: () => {
        asked.push(a);
        throw new HipError(HipErrorCode.timeout, 'slow');
      },
      [b]: () => {
        asked.push(b);
        return { record: 'r', fields: {}, key: '' };
      },
    });
    await assert.rejects(
      p.request({ op: 'readGranted', path: 'pay.bcos.rec', grant: {}, proof: {} }),
      (e) => e instanceof HipError && e.code === HipErrorCode.timeout,
    );
    assert.deepEqual(asked, [a]);
    await p.stop();
  });

  test('further links are bounded and closed once idle', async () => {
    const [a, b, c, d] = ids as [string, string, string, string];
    const fail = () => {
      throw new HipError(HipErrorCode.unknownResource, 'not here');
    };
    const { pool: p, links } = pool(
      [address(a), address(b), address(c), address(d)],
      { [a]: fail, [b]: fail, [c]: fail, [d]: () => 'here' },
      { maxLinks: 2, idleMs: 100 },
    );
    assert.equal(await p.request({ op: 'describe', path: 'pay.bcos.asset' }), 'here');
    // The main link (A) and at most two further links at once: B's was closed to make room for D's.
    const further = links.slice(1);
    assert.deepEqual(
      further.map((l) => [l.router, l.stopped]),
      [
        [b, true],
        [c, false],
        [d, false],
      ],
    );
    assert.deepEqual(p.health.list(), [], 'not having a path is held against nobody');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(
      further.every((l) => l.stopped),
      'closed once idle',
    );
    assert.deepEqual(
      p.links().map((l) => [l.router, l.main]),
      [[a, true]],
    );
    await p.stop();
    assert.ok(links[0]?.stopped);
  });
});
