import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getCreateAddress } from 'ethers';
import { encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import { recordsArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { deployWeftContracts, sameBuild } from '../../../p2p/devnet/fisco-bcos/deploy-contracts.ts';
import { createLogger } from '../../../p2p/router/log.ts';
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

/**
 * The Records artifact with another metadata hash: the same functions and constructor, so it
 * answers resourcePath as the current build does, but solc would only emit it for other sources
 * (as the Records contract from before key sharing).
 */
function otherRecordsBuild(): { abi: readonly unknown[]; bytecode: string } {
  const hash = /a264697066735822(1220[0-9a-f]{64})/.exec(recordsArtifact.deployedBytecode)?.[1];
  assert.ok(hash, 'the Records runtime code ends with an ipfs metadata hash');
  const other = `1220${'ab'.repeat(32)}`;
  assert.notEqual(hash, other);
  assert.ok(recordsArtifact.bytecode.endsWith(recordsArtifact.deployedBytecode.slice(2)));
  return { abi: recordsArtifact.abi, bytecode: recordsArtifact.bytecode.replace(hash, other) };
}

test('sameBuild: the metadata block decides, immutables and a missing block do not fool it', () => {
  const code = recordsArtifact.deployedBytecode;
  assert.equal(sameBuild(code, code), true);
  // The path hash is an immutable: the constructor fills zeros the artifact has. Stand-in: any 32 zero bytes.
  const zeros = code.indexOf('0'.repeat(64));
  assert.ok(zeros > 0);
  const filled = `${code.slice(0, zeros)}${'5a'.repeat(32)}${code.slice(zeros + 64)}`;
  assert.equal(sameBuild(filled, code), true);
  const other = otherRecordsBuild().bytecode;
  assert.equal(sameBuild(`0x${other.slice(-(code.length - 2))}`, code), false);
  assert.equal(sameBuild('0x', code), false);
  assert.equal(sameBuild(`${code}00`, code), false);
  // Without a metadata block only equal code is the same build.
  assert.equal(sameBuild('0x6001600055', '0x6001600055'), true);
  assert.equal(sameBuild('0x6002600055', '0x6001600055'), false);
});

test('a saved Records contract of another build, another path or gone is deployed afresh; the rest is reused', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-fisco-redeploy-'));
  const h = await startHarness({ dataDir, blockIntervalMs: 10 });
  try {
    const lines: string[] = [];
    const logger = createLogger('info', {}, (line) => lines.push(line));
    const first = await deployWeftContracts({
      client: h.client,
      signer: h.signer,
      chainId: 1,
      dataDir,
      logger,
    });
    assert.deepEqual([...lines], [], 'a fresh directory deploys without warnings');
    const address = (name: string) => first.find((r) => r.name === name)?.address as string;
    const file = join(dataDir, 'contracts.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;

    // Reused as it is: the constructor's immutables do not count as another build.
    const again = await deployWeftContracts({
      client: h.client,
      signer: h.signer,
      chainId: 1,
      dataDir,
      logger,
    });
    assert.deepEqual(
      again.map((r) => r.address),
      first.map((r) => r.address),
    );
    assert.deepEqual([...lines], []);

    const cases: { name: string; records: string; reason: string }[] = [
      {
        name: 'another build',
        records: await h.deploy(otherRecordsBuild(), ['payment.bcos.records']),
        reason: 'is an older build',
      },
      {
        name: 'another path',
        records: await h.deploy(recordsArtifact, ['other.bcos.records']),
        reason: 'answers for other.bcos.records',
      },
      // An address with no code: the chain was reset under an old contracts.json.
      {
        name: 'gone',
        records: getCreateAddress({ from: h.signer.address, nonce: 1n }),
        reason: 'has no code',
      },
    ];
    for (const c of cases) {
      writeFileSync(file, JSON.stringify({ ...saved, records: c.records }));
      lines.length = 0;
      const resources = await deployWeftContracts({
        client: h.client,
        signer: h.signer,
        chainId: 1,
        dataDir,
        logger,
      });
      const records = resources.find((r) => r.name === 'records')?.address as string;
      assert.notEqual(records.toLowerCase(), c.records.toLowerCase(), c.name);
      assert.equal(resources.find((r) => r.name === 'asset')?.address, address('asset'), c.name);
      assert.equal(resources.find((r) => r.name === 'kv')?.address, address('kv'), c.name);
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>).records, records);
      assert.equal(lines.length, 1, c.name);
      const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
      assert.equal(line.level, 'warn');
      assert.equal(line.msg, `saved records contract ${c.reason}: deploying it afresh`);
      assert.equal(line.address, c.records);
      // The new one is the current build (it has shareKeys) and is kept on the next start.
      const code = await h.client.request<string>('getCode', [1, records]);
      assert.equal(sameBuild(code, recordsArtifact.deployedBytecode), true);
      lines.length = 0;
      const kept = await deployWeftContracts({
        client: h.client,
        signer: h.signer,
        chainId: 1,
        dataDir,
        logger,
      });
      assert.equal(kept.find((r) => r.name === 'records')?.address, records);
      assert.deepEqual([...lines], []);
    }
  } finally {
    await h.node.close();
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
