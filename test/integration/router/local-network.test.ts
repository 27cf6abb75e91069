/** The local network `npm start` runs keeps its state across a restart. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LightClient } from '../../../p2p/client/light-client.ts';
import { startLocalNetwork, waitForDirectory } from '../../../p2p/devnet/local-network.ts';

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
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
