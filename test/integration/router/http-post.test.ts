/** The router's keep-alive `node:http` transport for FISCO BCOS RPC, against a devnode. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { FiscoUnavailableError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { nodeHttpPost } from '../../../p2p/router/http-post.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';

let h: Harness;
let asset: string;

before(async () => {
  h = await startHarness({ blockIntervalMs: 20 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1000n]);
});
after(() => h.node.close());

test('reads and writes through a connector on node:http match the ones over fetch', async () => {
  const options = {
    url: h.node.url,
    chainId: 1,
    groupId: 1,
    zone: 'payment',
    chainName: 'bcos',
    resources: [{ name: 'asset', address: asset, abi: assetArtifact.abi as never }],
  };
  const overHttp = new FiscoBcosConnector({ ...options, post: nodeHttpPost() });
  const overFetch = new FiscoBcosConnector(options);
  const read = { resource: 'asset', method: 'balanceOf', args: [h.signer.address] };
  const reads = await Promise.all(Array.from({ length: 40 }, () => overHttp.call(read)));
  const expected = await overFetch.call(read);
  assert.equal(expected.values[0], 1000n);
  for (const r of reads) assert.deepEqual(r, expected);

  const to = '0x00000000000000000000000000000000000000b0';
  const raw = await h.sign({ to: asset, data: encodeCall(assetArtifact.abi as never, 'transfer', [to, 7n]) });
  const receipt = await overHttp.submit({ resource: 'asset', signed: raw, timeoutMs: 5_000 });
  assert.equal(receipt.status, 'success');
  assert.deepEqual((await overHttp.call({ ...read, args: [to] })).values, [7n]);
});

test('an unreachable node and a node too slow to answer are FiscoUnavailableError', async () => {
  const unreachable = new FiscoRpcClient({
    url: 'http://127.0.0.1:1/',
    groupId: 1,
    requestTimeoutMs: 1_000,
    post: nodeHttpPost(),
  });
  await assert.rejects(unreachable.blockNumber(), FiscoUnavailableError);

  const silent = createServer(() => {}); // accepts and never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as AddressInfo;
    const slow = new FiscoRpcClient({
      url: `http://127.0.0.1:${port}/`,
      groupId: 1,
      requestTimeoutMs: 300,
      post: nodeHttpPost(),
    });
    const started = performance.now();
    await assert.rejects(slow.blockNumber(), FiscoUnavailableError);
    assert.ok(performance.now() - started < 3_000, 'the request timeout applies');
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});
