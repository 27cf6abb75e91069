import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getCreateAddress } from 'ethers';
import { encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { deployWeftContracts } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { keyValueArtifact, startHarness } from './helpers.ts';

test('a deployed contract lives at keccak(rlp([sender, randomid])), as FISCO BCOS derives it', async () => {
  const h = await startHarness();
  try {
    const randomid = 0xfeedbeefn;
    const raw = await h.sign({
      to: null,
      data: encodeDeploy(keyValueArtifact.abi as never, keyValueArtifact.bytecode),
      randomid,
    });
    const receipt = await h.send(raw);
    assert.equal(receipt.status, '0x0');
    assert.equal(
      receipt.contractAddress,
      getCreateAddress({ from: h.signer.address, nonce: randomid }).toLowerCase(),
    );
  } finally {
    await h.node.close();
  }
});

test('the local network contracts deploy once per data directory and serve as connector resources', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-fisco-deploy-'));
  try {
    const h = await startHarness({ dataDir, blockIntervalMs: 10 });
    const resources = await deployWeftContracts({
      client: h.client,
      signer: h.signer,
      chainId: 1,
      dataDir,
      assetSupply: 77n,
    });
    assert.deepEqual(
      resources.map((r) => r.name),
      ['asset', 'kv', 'records'],
    );
    const again = await deployWeftContracts({ client: h.client, signer: h.signer, chainId: 1, dataDir });
    assert.deepEqual(
      again.map((r) => r.address),
      resources.map((r) => r.address),
    );
    const connector = new FiscoBcosConnector({
      url: h.node.url,
      chainId: 1,
      groupId: 1,
      zone: 'z',
      chainName: 'fisco',
      resources,
    });
    const { values } = await connector.call({
      resource: 'z.fisco.asset',
      method: 'balanceOf',
      args: [h.signer.address],
    });
    assert.deepEqual(values, [77n]);
    await h.node.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the EVM reports the FISCO chainId to contracts (CHAINID opcode)', async () => {
  const h = await startHarness({ chainId: 7 });
  try {
    // Runtime: CHAINID, store at 0, return 32 bytes. Init code: copy those 9 bytes out as the code.
    const runtime = '4660005260206000f3';
    // PUSH9 runtime, PUSH1 0, MSTORE, PUSH1 9 (size), PUSH1 23 (offset), RETURN.
    const init = `0x68${runtime}60005260096017f3`;
    const receipt = await h.send(await h.sign({ to: null, data: init as `0x${string}` }));
    assert.equal(receipt.status, '0x0');
    assert.equal(await h.client.request('getCode', [1, receipt.contractAddress]), `0x${runtime}`);
    const output = await h.client.callChecked({ to: receipt.contractAddress, data: '0x' });
    assert.equal(BigInt(output), 7n);
  } finally {
    await h.node.close();
  }
});
