/**
 * Attack 8 of the adversarial suite (issue 14): a member router advertises what it does not own.
 * Real routers r1 (fronts payment.bcos.* on a simulated FISCO BCOS chain) ── r3 ── r2, bound by
 * `zones`, and a lying member router (test code: a bare libp2p node speaking the directory
 * protocol to r2). Each lie is built to win r2's route choice if its defence is missing (it is
 * shorter than r2's honest route, or as long with a lower next-hop peer id), and each test checks
 * r2 still routes to r1 through r3, with r1's description, and counts the drop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { ResourceDescription } from '../../../p2p/chains/connector.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { deployWeftContracts } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { signResource, verifyResourceEntry } from '../../../p2p/protocol/advert-signature.ts';
import { encryption } from '../../../p2p/protocol/encryption.ts';
import { decodeFrame, encodeFrame } from '../../../p2p/protocol/frame.ts';
import { DIRECTORY_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { type DirectoryFrame, directoryFrame, type RouteAdvert } from '../../../p2p/protocol/messages.ts';
import { streamMuxer } from '../../../p2p/protocol/muxer.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { loadOrCreatePeerKey } from '../../../p2p/router/peer-key.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';

const PAYMENT = ['payment.bcos.asset', 'payment.bcos.kv', 'payment.bcos.records'];
/** A path of the liar's own zone: it may publish it, so its update is applied (the lies are not lost for another reason). */
const OWN = 'trade.liar.thing';

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a router that advertises what it does not own (attack 8)', { timeout: 120_000 }, () => {
  let dir: string;
  let devnode: Devnode;
  const routers = new Map<'r1' | 'r2' | 'r3', Router>();
  let liarKey: PrivateKey;
  let liarId: string;
  let liar: Libp2p;
  let deployer: EcdsaSigner;
  /** What r2 tells the liar: r1's genuinely signed adverts, relayed. */
  const heard: RouteAdvert[] = [];
  let seq = Date.now();

  const r = (name: 'r1' | 'r2' | 'r3') => routers.get(name) as Router;

  async function dropped(reason: string): Promise<number> {
    const text = await r('r2').metrics.registry.getSingleMetricAsString('weft_router_adverts_dropped_total');
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`weft_router_adverts_dropped_total{reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** Replaces the liar's table at r2 with `lies` (plus its own path) and waits until r2 counted `reason` `count` more times. */
  async function lie(lies: RouteAdvert[], reason: string, count: number): Promise<void> {
    const before = await dropped(reason);
    const own = await signResource(liarKey, liarId, description(OWN, '0x00'), Date.now());
    const routes = [...lies, { ...own, origin: liarId, via: [liarId] }];
    const frame: DirectoryFrame = { type: 'routes', seq: ++seq, routes };
    const stream = await liar.dialProtocol(peerIdFromPrivateKey(await key('r2')), DIRECTORY_PROTOCOL);
    await lpStream(stream).write(encodeFrame(frame));
    await stream.close();
    await until(async () => (await dropped(reason)) >= before + count, `r2 to count ${count} ${reason}`);
    await until(
      () => r('r2').directory.route(OWN)?.entry.issued === own.issued,
      "r2 to apply the liar's update",
    );
  }

  const key = (name: string) => loadOrCreatePeerKey(join(dir, name));

  function description(path: string, address: string): ResourceDescription {
    return {
      path,
      chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
      address,
      methods: [{ name: 'balanceOf', kind: 'read', inputs: [{ name: 'a', type: 'address' }], outputs: [] }],
    };
  }

  function genuine(path: string): RouteAdvert {
    const advert = heard.find((a) => a.description.path === path);
    assert.ok(advert, `r2 relayed ${path} to the liar`);
    return advert;
  }

  /** r2's route to every payment path is r1's, through r3, with r1's own description. */
  function assertHonestRoutes() {
    const r2 = r('r2');
    for (const path of PAYMENT) {
      const route = r2.directory.route(path);
      assert.equal(route?.kind === 'remote' && route.nextHop, r('r3').peerId, `${path}: next hop`);
      assert.equal(route?.entry.router, r('r1').peerId, `${path}: origin`);
      assert.equal(route?.entry.address, r('r1').directory.route(path)?.entry.address, `${path}: address`);
    }
    assert.equal(r2.directory.route('evil.bcos.asset'), undefined);
    assert.equal(r('r1').directory.route('payment.bcos.asset')?.kind, 'local');
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-lying-dir-'));
    devnode = await startDevnode({ port: 0, blockIntervalMs: 10, sealerCount: 1 });
    const client = new FiscoRpcClient({ url: devnode.url, groupId: 1 });
    deployer = EcdsaSigner.random();
    const contracts = await deployWeftContracts({ client, signer: deployer, chainId: 1 });

    const ids = {
      r1: peerIdFromPrivateKey(await key('r1')).toString(),
      r2: peerIdFromPrivateKey(await key('r2')).toString(),
      r3: peerIdFromPrivateKey(await key('r3')).toString(),
    };
    // The liar's id sorts before r3's: an equally long route through it would win the tie at r2.
    do {
      liarKey = await generateKeyPair('Ed25519');
      liarId = peerIdFromPrivateKey(liarKey).toString();
    } while (liarId >= ids.r3);
    const members = [ids.r1, ids.r2, ids.r3, liarId];
    // The liar is a legitimate router of the trade zone; only r1 may publish payment.
    const zones = { payment: [ids.r1], trade: [ids.r2, ids.r3, liarId] };
    const topology = [
      { name: 'r1', zone: 'payment', bootstrap: [] as ('r1' | 'r3')[] },
      { name: 'r3', zone: 'trade', bootstrap: ['r1'] },
      { name: 'r2', zone: 'trade', bootstrap: ['r3'] },
    ] as const;
    for (const spec of topology) {
      const config = parseRouterConfig({
        zone: spec.zone,
        dataDir: join(dir, spec.name),
        listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
        bootstrap: spec.bootstrap.map(
          (b) =>
            r(b)
              .addresses()
              .find((a) => !a.includes('/ws')) as string,
        ),
        members,
        zones,
        admin: null,
      });
      const connectors =
        spec.name === 'r1'
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
      routers.set(spec.name, await startRouter({ config, connectors, logger: createLogger('silent') }));
    }
    await waitForDirectory([...routers.values()], PAYMENT.length);

    liar = await createLibp2p({
      privateKey: liarKey,
      transports: [tcp()],
      connectionEncrypters: [encryption()],
      streamMuxers: [streamMuxer()],
    });
    // Collects what r2 advertises to it, as any member would receive it.
    await liar.handle(DIRECTORY_PROTOCOL, async (stream: Stream) => {
      const bytes = (await lpStream(stream).read()).subarray();
      const frame = directoryFrame.parse(decodeFrame(bytes)) as DirectoryFrame;
      heard.splice(0, heard.length, ...frame.routes);
      await stream.close();
    });
    await liar.dial(
      multiaddr(
        r('r2')
          .addresses()
          .find((a) => !a.includes('/ws')) as string,
      ),
    );
    await until(
      () => PAYMENT.every((p) => heard.some((a) => a.description.path === p)),
      'r2 to send the liar its table',
    );
    assertHonestRoutes();
  });

  after(async () => {
    await liar?.stop();
    for (const router of [...routers.values()].reverse()) await router.stop();
    await devnode?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("publishing another zone's path, signed with its own key, is dropped (zone-not-bound)", async () => {
    const kv = r('r1').directory.route('payment.bcos.kv')?.entry.address as string;
    // One hop (shorter than r2's two through r3) and pointing the asset path at another contract.
    const stolen = await signResource(liarKey, liarId, description('payment.bcos.asset', kv), Date.now());
    const unbound = await signResource(liarKey, liarId, description('evil.bcos.asset', kv), Date.now());
    await lie(
      [
        { ...stolen, origin: liarId, via: [liarId] },
        { ...unbound, origin: liarId, via: [liarId] },
      ],
      'zone-not-bound',
      2,
    );
    assertHonestRoutes();
  });

  test("an advert forged in r1's name (signed with the liar's key) is dropped (bad-signature)", async () => {
    const d = description('payment.bcos.asset', '0x000000000000000000000000000000000000dead');
    const forged = await signResource(liarKey, r('r1').peerId, d, Date.now());
    await lie([{ ...forged, origin: r('r1').peerId, via: [r('r1').peerId, liarId] }], 'bad-signature', 1);
    assertHonestRoutes();
  });

  test("r1's genuine advert relayed with an altered description is dropped (bad-signature)", async () => {
    const original = genuine('payment.bcos.asset');
    const altered = {
      ...original,
      description: { ...original.description, address: '0x000000000000000000000000000000000000dead' },
      via: [r('r1').peerId, liarId],
    };
    await lie([altered], 'bad-signature', 1);
    assertHonestRoutes();
  });

  test("r1's genuine advert relayed with its addresses swapped for the liar's is dropped (bad-signature)", async () => {
    const original = genuine('payment.bcos.kv');
    assert.ok((original.addresses ?? []).length > 0, 'r1 names where it can be dialled');
    const swapped = {
      ...original,
      addresses: [`/ip4/127.0.0.1/tcp/9/ws/p2p/${liarId}`],
      via: [r('r1').peerId, liarId],
    };
    await lie([swapped], 'bad-signature', 1);
    assertHonestRoutes();
  });

  test("r1's genuine advert on a path that does not start at r1 is dropped (origin-not-first)", async () => {
    // The liar claims to be one hop from the resource while naming r1 as its origin.
    await lie([{ ...genuine('payment.bcos.kv'), via: [liarId] }], 'origin-not-first', 1);
    assertHonestRoutes();
  });

  test('a wallet resolving through r2 still reaches r1, and can check r1 signed the description', async () => {
    const ws = r('r2')
      .addresses()
      .find((a) => a.includes('/ws')) as string;
    const wallet = new LightClient({ routers: [ws] });
    try {
      const address = r('r1').directory.route('payment.bcos.asset')?.entry.address;
      // `resources` is r2's directory: the description as relayed, with r1's signature.
      const listed = (await wallet.resources()).find((e) => e.path === 'payment.bcos.asset');
      assert.equal(listed?.router, r('r1').peerId);
      assert.equal(listed?.hops, 2);
      assert.equal(listed?.address, address);
      assert.ok(
        listed && (await verifyResourceEntry(listed)),
        "the listed entry carries r1's valid signature",
      );
      // Two hops away, the entry still names where r1 itself can be dialled, as r1 signed it.
      const r1ws = r('r1')
        .addresses()
        .find((a) => a.includes('/ws')) as string;
      assert.deepEqual(listed?.addresses, [r1ws]);
      assert.ok(r1ws.endsWith(`/p2p/${r('r1').peerId}`));
      // `describe` travels the route and is answered by the router fronting the path: r1.
      const entry = await wallet.describe('payment.bcos.asset');
      assert.equal(entry.router, r('r1').peerId);
      assert.equal(entry.hops, 0);
      assert.equal(entry.address, address);
      assert.ok(await verifyResourceEntry(entry), "r1's own entry verifies too");
      const balance = await wallet.call({
        path: 'payment.bcos.asset',
        method: 'balanceOf',
        args: [deployer.address],
      });
      assert.equal(balance.values[0], 1_000_000_000n);
    } finally {
      await wallet.stop();
    }
  });
});
