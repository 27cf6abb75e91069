/** State, blocks and receipts survive a clean stop and a kill -9 of a child-process devnode. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { decodeResult, encodeCall, encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { assetArtifact, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-fisco-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function balanceOf(client: FiscoRpcClient, asset: string, who: string): Promise<bigint> {
  const output = await client.callChecked({ to: asset, data: encodeCall(abi, 'balanceOf', [who]) });
  return decodeResult(abi, 'balanceOf', output)[0] as bigint;
}

test('a clean stop and restart keeps blocks, receipts, state and the used nonces', async () => {
  const dataDir = tempDir();
  const first = await startHarness({ dataDir });
  const asset = await first.deploy(assetArtifact, ['Weft Coin', 'WFC', 500n]);
  const bob = EcdsaSigner.random().address;
  const raw = await first.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 42n]) });
  const receipt = await first.send(raw);
  const height = await first.client.blockNumber();
  const block = await first.client.getBlockByNumber(height);
  await first.node.close();

  const second = await startHarness({ dataDir });
  try {
    assert.equal(await second.client.blockNumber(), height);
    assert.deepEqual(await second.client.getBlockByNumber(height), block);
    assert.deepEqual(await second.client.getTransactionReceipt(receipt.transactionHash), receipt);
    assert.equal(await balanceOf(second.client, asset, bob), 42n);
    assert.equal(await balanceOf(second.client, asset, first.signer.address), 458n);
    await assert.rejects(second.client.sendRawTransaction(raw), /TransactionAlreadyInChain/);
    // The restarted chain keeps executing on top of the restored state.
    const again = await second.send(
      await second.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 8n]) }, first.signer),
    );
    assert.equal(again.status, '0x0');
    assert.equal(await balanceOf(second.client, asset, bob), 50n);
  } finally {
    await second.node.close();
  }
  await assert.rejects(startHarness({ dataDir, chainId: 2 }), /holds chain 1 group 1/);
});

const cli = fileURLToPath(new URL('../../../p2p/devnet/fisco-bcos/cli.ts', import.meta.url));

async function spawnDevnode(dataDir: string): Promise<{ child: ChildProcess; client: FiscoRpcClient }> {
  const child = spawn(
    process.execPath,
    [cli, '--port', '0', '--block-interval', '10', '--data-dir', dataDir, '--sealers', '1'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout as AsyncIterable<string>) {
    output += chunk;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
    if (url) return { child, client: new FiscoRpcClient({ url, groupId: 1 }) };
  }
  throw new Error(`devnode did not start: ${output}`);
}

test('kill -9 of a child-process devnode loses nothing that was committed', async () => {
  const dataDir = tempDir();
  const signer = EcdsaSigner.random();
  const bob = EcdsaSigner.random().address;
  const { child, client } = await spawnDevnode(dataDir);
  let asset: string;
  let lastHash = '';
  let height: bigint;
  try {
    const sign = async (to: string | null, data: Hex) =>
      signTransaction(
        transactionFields({
          to,
          data,
          chainId: 1,
          groupId: 1,
          blockLimit: (await client.blockNumber()) + 100n,
        }),
        signer,
      ).raw;
    const deployed = await client.sendAndConfirm(
      await sign(null, encodeDeploy(abi, assetArtifact.bytecode, ['Weft Coin', 'WFC', 100n])),
      { timeoutMs: 5000 },
    );
    asset = deployed.contractAddress;
    for (let i = 0; i < 3; i++) {
      const receipt = await client.sendAndConfirm(await sign(asset, encodeCall(abi, 'transfer', [bob, 5n])), {
        timeoutMs: 5000,
      });
      lastHash = receipt.transactionHash;
    }
    height = await client.blockNumber();
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  const { child: restarted, client: client2 } = await spawnDevnode(dataDir);
  try {
    assert.ok((await client2.blockNumber()) >= height);
    assert.equal((await client2.getTransactionReceipt(lastHash))?.status, '0x0');
    assert.equal(await balanceOf(client2, asset, bob), 15n);
    assert.equal(await balanceOf(client2, asset, signer.address), 85n);
  } finally {
    restarted.kill('SIGTERM');
    const [code] = await once(restarted, 'exit');
    assert.equal(code, 0, 'SIGTERM shuts the devnode down cleanly');
  }
});
