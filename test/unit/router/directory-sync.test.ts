/** Directory sync alone, between in-memory peers: tables go out, non-members are refused, a stopping router withdraws. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { PeerId } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { ResourceDescription } from '../../../p2p/chains/connector.ts';
import { encodeFrame } from '../../../p2p/protocol/frame.ts';
import { DIRECTORY_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { AdvertGate } from '../../../p2p/router/advert-gate.ts';
import { Directory } from '../../../p2p/router/directory.ts';
import { createDirectorySync, type DirectorySync } from '../../../p2p/router/directory-sync.ts';
import { signLocalResources } from '../../../p2p/router/local-resources.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { createRouterMetrics, type RouterMetrics } from '../../../p2p/router/metrics.ts';
import { type MemoryNode, memoryHub, until } from './memory-net.ts';

const resource = (path: string): ResourceDescription => ({
  path,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address: '0x01',
  methods: [{ name: 'get', kind: 'read', inputs: [], outputs: [] }],
});

const connector = (paths: string[]) => ({ resources: () => paths.map(resource) }) as never;

interface Peer {
  node: MemoryNode;
  directory: Directory;
  sync: DirectorySync;
  metrics: RouterMetrics;
}

describe('directory sync', () => {
  const running: DirectorySync[] = [];
  afterEach(async () => {
    for (const sync of running.splice(0)) await sync.stop();
  });

  async function peer(node: MemoryNode, members: Set<string>, paths: string[] = [], refreshMs?: number) {
    const directory = new Directory(node.id, 8);
    directory.setLocal(await signLocalResources(node.key, node.id, [connector(paths)], 1_000));
    const metrics = createRouterMetrics();
    const sync = createDirectorySync({
      net: node.net,
      isMember: (p: PeerId) => members.has(p.toString()),
      directory,
      gate: new AdvertGate(),
      metrics,
      log: createLogger('silent'),
      maxMessageBytes: 1 << 20,
      ...(refreshMs ? { refreshMs } : {}),
    });
    await sync.start();
    running.push(sync);
    return { node, directory, sync, metrics } satisfies Peer;
  }

  test("a member that connects gets the table; the origin's stop withdraws its paths", async () => {
    const hub = memoryHub();
    const [na, nb] = [await hub.node(), await hub.node()];
    const members = new Set([na.id, nb.id]);
    const a = await peer(na, members, ['z.x.r']);
    const b = await peer(nb, members);
    hub.connect(na, nb);
    a.sync.memberConnected(nb.peerId);
    await until(() => b.directory.entries().length === 1, 'b to learn z.x.r');
    assert.deepEqual(
      b.directory.entries().map((e) => [e.path, e.hops, e.router]),
      [['z.x.r', 1, na.id]],
    );
    await a.sync.stop();
    running.splice(running.indexOf(a.sync), 1);
    // Still connected: only the withdrawal can have emptied b's table.
    await until(() => b.directory.entries().length === 0, 'b to withdraw z.x.r');
  });

  test('anti-entropy: a member never told of a change learns it at the next refresh', async () => {
    const hub = memoryHub();
    const [na, nb] = [await hub.node(), await hub.node()];
    const members = new Set([na.id, nb.id]);
    await peer(na, members, ['z.x.r'], 50);
    const b = await peer(nb, members);
    hub.connect(na, nb); // nobody calls memberConnected: only the refresh sends the table
    await until(() => b.directory.entries().length === 1, 'the refresh to deliver the table');
  });

  test("a non-member's update is refused and counted", async () => {
    const hub = memoryHub();
    const [nb, intruder] = [await hub.node(), await hub.node()];
    const b = await peer(nb, new Set([nb.id]));
    hub.connect(nb, intruder);
    const stream = await intruder.dialProtocol(nb.peerId, DIRECTORY_PROTOCOL);
    await lpStream(stream)
      .write(encodeFrame({ type: 'routes', seq: Date.now(), routes: [] }))
      .catch(() => {});
    const forbidden = async () =>
      /outcome="FORBIDDEN"} 1/.test(
        await b.metrics.registry.getSingleMetricAsString('weft_router_requests_total'),
      );
    const deadline = Date.now() + 2_000;
    while (!(await forbidden())) {
      if (Date.now() > deadline) assert.fail('the refusal was not counted');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(b.directory.entries(), []);
  });
});
