/**
 * The local network `npm start` runs keeps its state across a restart, and what its chains
 * signed checks out: every FISCO BCOS header carries a quorum of the sealers' seals, every
 * Fabric block passes the wallet's block verifier on both organisations' peers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyBlockHeader } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';
import { verifyDevpeerLedgers } from '../fabric/ledger-evidence.ts';

test('a restarted local network keeps contracts, router identities and chain state', {
  timeout: 120_000,
}, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-local-'));
  try {
    const first = await startLocalNetwork({ dataDir, blockIntervalMs: 50 });
    const before = {
      asset: first.fisco.asset,
      routers: first.routers.map((r) => r.router.peerId),
      height: first.fisco.node.ledger.blockNumber,
    };
    await first.stop();

    const second = await startLocalNetwork({ dataDir, blockIntervalMs: 50 });
    try {
      assert.equal(second.fisco.asset, before.asset);
      assert.ok(second.fisco.node.ledger.blockNumber >= before.height, 'no blocks lost');
      assert.deepEqual(
        second.routers.map((r) => r.router.peerId),
        before.routers,
      );
      await waitForDirectory(
        second.routers.map((r) => r.router),
        4,
      );
      const client = new LightClient({ routers: [second.routers[2]?.wsAddress as string] });
      try {
        const supply = await client.call({ path: 'trade.fab.asset', method: 'BalanceOf', args: ['user1'] });
        assert.equal(String(supply.values[0]), '1000000', 'Fabric initialised once, not twice');
        const balance = await client.call({
          path: 'payment.bcos.asset',
          method: 'balanceOf',
          args: [second.fisco.deployer.address],
        });
        assert.equal(balance.values[0], 1_000_000_000n);
      } finally {
        await client.stop();
      }

      const fisco = new FiscoRpcClient({ url: second.fisco.node.url, groupId: second.fisco.groupId });
      const sealers = await fisco.getSealerList();
      assert.equal(sealers.length, 4);
      const height = Number(second.fisco.node.ledger.blockNumber);
      assert.ok(height > 0);
      for (let n = 1; n <= height; n++) verifyBlockHeader(await fisco.getBlockHeaderByNumber(n), sealers);
      const fabric = await verifyDevpeerLedgers(second.fabric.peer);
      assert.ok(fabric.blocks > 1 && fabric.transactions > 1);
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
