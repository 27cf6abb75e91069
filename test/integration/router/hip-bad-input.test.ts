/**
 * Inputs the HIP fuzzer (hip.fuzz.test.ts) found answered wrongly, kept as plain cases against a
 * live router in front of a devnode: each must get a typed answer a client can match.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { deployWeftContracts } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { type Devnode, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';
import { encodeFrame } from '../../../p2p/protocol/frame.ts';
import { CLIENT_PROTOCOL } from '../../../p2p/protocol/ids.ts';
import { parseRouterConfig } from '../../../p2p/router/config.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { type Router, startRouter } from '../../../p2p/router/router.ts';
import { rawClient } from './raw-client.ts';

describe('HIP bad input found by fuzzing', { timeout: 60_000 }, () => {
  let dir: string;
  let devnode: Devnode;
  let router: Router;
  let raw: Awaited<ReturnType<typeof rawClient>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-hip-bad-'));
    devnode = await startDevnode({ port: 0, blockIntervalMs: 10, sealerCount: 1 });
    const client = new FiscoRpcClient({ url: devnode.url, groupId: 1 });
    const resources = await deployWeftContracts({ client, signer: EcdsaSigner.random(), chainId: 1 });
    const config = parseRouterConfig({
      zone: 'payment',
      dataDir: join(dir, 'r1'),
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      admin: null,
    });
    const connector = new FiscoBcosConnector({
      url: devnode.url,
      chainId: 1,
      groupId: 1,
      zone: 'payment',
      chainName: 'bcos',
      resources,
    });
    router = await startRouter({ config, connectors: [connector], logger: createLogger('silent') });
    raw = await rawClient(router.addresses()[0] as string);
  });

  after(async () => {
    await raw?.stop();
    await router?.stop();
    await devnode?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a request id JSON cannot carry back (1e999) is answered under id 0, not null', async () => {
    const frame = new TextEncoder().encode('{"type":"request","id":1e999,"body":{"op":"resources"}}');
    const answer = await raw.exchange(CLIENT_PROTOCOL, frame);
    assert.equal(answer.id, 0);
    assert.equal(answer.error?.code, 'BAD_REQUEST');
  });

  test('call arguments that do not fit the method are BAD_REQUEST naming the method, not INTERNAL', async () => {
    for (const args of [[[[['nested']]]], [], ['not an address'], [{ $bigint: 'x' }, 1, 2]]) {
      const answer = await raw.exchange(
        CLIENT_PROTOCOL,
        encodeFrame({
          type: 'request',
          id: 5,
          body: { op: 'call', path: 'payment.bcos.asset', method: 'balanceOf', args },
        }),
      );
      assert.equal(answer.id, 5);
      assert.equal(answer.error?.code, 'BAD_REQUEST', JSON.stringify(answer));
      assert.match(answer.error?.message ?? '', /arguments do not fit balanceOf/);
      assert.deepEqual(answer.error?.details, { method: 'balanceOf' });
    }
    // The router still serves the same call with the right arguments.
    const good = await raw.channel.request({
      op: 'call',
      path: 'payment.bcos.asset',
      method: 'balanceOf',
      args: ['0x00000000000000000000000000000000000000b0'],
    });
    assert.deepEqual((good as { values: unknown[] }).values, [0n]);
  });
});
