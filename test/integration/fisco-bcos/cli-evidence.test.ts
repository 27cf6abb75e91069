/**
 * The devnode CLI's evidence options end to end in a child process: a guomi chain of four
 * sealers with one down and one observer, contracts deployed by the committee (the deployer by
 * default), headers carrying exactly the quorum of SM2 seals, and a sealer change by the committee.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Interface } from 'ethers';
import { verifyBlockHeader } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import { Sm2Signer, sm2Scheme } from '../../../p2p/chains/fisco-bcos/sm2.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { CONSENSUS_PRECOMPILE } from '../../../p2p/devnet/fisco-bcos/consensus-precompile.ts';

const cli = fileURLToPath(new URL('../../../p2p/devnet/fisco-bcos/cli.ts', import.meta.url));

test('cli --crypto sm --sealers 4 --sealers-down 1 --observers 1 --deploy: quorum seals and a committee sealer change', async () => {
  const deployerKey = `0x${'1f'.repeat(32)}`;
  const committee = new Sm2Signer(deployerKey);
  const child = spawn(
    process.execPath,
    [
      cli,
      '--port',
      '0',
      '--block-interval',
      '50',
      '--sealers',
      '4',
      '--sealers-down',
      '1',
      '--observers',
      '1',
      '--crypto',
      'sm',
      '--deploy',
      '--deployer-key',
      deployerKey,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout as AsyncIterable<string>) {
      output += chunk;
      if (output.includes('contract records')) break;
    }
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
    assert.ok(url, output);
    assert.match(output, new RegExp(`crypto sm committee ${committee.address}`));
    const client = new FiscoRpcClient({ url, groupId: 1 });
    const sealers = await client.getSealerList();
    const [observer] = await client.getObserverList();
    assert.equal(sealers.length, 4);
    assert.ok(observer);
    const head = await client.getBlockHeaderByNumber(await client.blockNumber());
    assert.equal(head.signatureList.length, 3, 'exactly the quorum with one sealer down');
    verifyBlockHeader(head, sealers, sm2Scheme);

    const data = new Interface(['function addSealer(string)']).encodeFunctionData('addSealer', [observer]);
    const signed = signTransaction(
      transactionFields({
        to: CONSENSUS_PRECOMPILE,
        data: data as `0x${string}`,
        chainId: 1,
        groupId: 1,
        blockLimit: (await client.blockNumber()) + 100n,
      }),
      committee,
    );
    const receipt = await client.sendAndConfirm(signed.raw, { timeoutMs: 5000 });
    assert.equal(BigInt(receipt.output), 1n);
    assert.deepEqual(await client.getSealerList(), [...sealers, observer]);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('cli refuses an unknown --crypto and a malformed --committee', () => {
  for (const args of [
    ['--crypto', 'rsa'],
    ['--committee', '0x12'],
  ]) {
    const run = spawnSync(process.execPath, [cli, '--port', '0', ...args], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
  }
});
