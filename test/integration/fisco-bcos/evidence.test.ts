/**
 * The devnode's evidence, fetched over JSON-RPC and checked with the product's own verifiers:
 * receipt and transaction proofs fold to the header's roots, the header hash recomputes, a PBFT
 * quorum of the trusted sealers signed it; sealer changes through the consensus precompile;
 * refusals with FISCO's codes; null for unknown hashes; the same on a guomi (SM2/SM3) chain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbiCoder, Interface } from 'ethers';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { pbftQuorum, verifyBlockHeader } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import {
  FiscoHeaderHashError,
  FiscoProofError,
  FiscoQuorumError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import {
  type ReceiptWithProof,
  type TransactionWithProof,
  verifyReceiptProof,
  verifyTransactionWithReceipt,
} from '../../../p2p/chains/fisco-bcos/evidence.ts';
import { receiptHasRemainGas } from '../../../p2p/chains/fisco-bcos/receipt.ts';
import type { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import type { SignatureScheme } from '../../../p2p/chains/fisco-bcos/signature-scheme.ts';
import { Sm2Signer, sm2Scheme } from '../../../p2p/chains/fisco-bcos/sm2.ts';
import { CONSENSUS_PRECOMPILE } from '../../../p2p/devnet/fisco-bcos/consensus-precompile.ts';
import { assetArtifact, type Harness, startHarness } from './helpers.ts';

const abi = assetArtifact.abi as never;
const consensus = new Interface([
  'function addSealer(string)',
  'function addObserver(string)',
  'function remove(string)',
]);
const int256 = (output: string) => Number(AbiCoder.defaultAbiCoder().decode(['int256'], output)[0]);

async function withRemainGas(client: FiscoRpcClient): Promise<boolean> {
  return receiptHasRemainGas((await client.getClientVersion())['FISCO-BCOS Version']);
}

/** Everything a wallet would fetch and check for one transaction, against an anchored sealer set. */
async function checkEvidence(
  h: Harness,
  hash: string,
  anchor: readonly string[],
  scheme?: SignatureScheme,
): Promise<{ signers: number[]; tx: TransactionWithProof; receipt: ReceiptWithProof }> {
  const tx = await h.client.getTransactionByHashWithProof(hash);
  const receipt = await h.client.getTransactionReceiptByHashWithProof(hash);
  assert.ok(tx && receipt);
  const header = await h.client.getBlockHeaderByNumber(BigInt(receipt.transactionReceipt.blockNumber));
  const { signers } = verifyBlockHeader(header, anchor, scheme);
  const opts = { withRemainGas: await withRemainGas(h.client), ...(scheme ? { scheme } : {}) };
  assert.equal(verifyTransactionWithReceipt(tx, receipt, header, opts), hash);
  return { signers, tx, receipt };
}

test('a transfer proves itself: receipt and transaction fold to the header roots, a quorum of sealers signed it', async () => {
  const h = await startHarness({ sealerCount: 4 });
  try {
    const anchor = (await h.client.getBlockHeaderByNumber(0)).sealerList;
    assert.deepEqual(await h.client.getSealerList(), anchor);
    const asset = await h.deploy(assetArtifact, ['Weft', 'W', 10n ** 9n]);
    const raw = await h.sign({
      to: asset,
      data: encodeCall(abi, 'transfer', [`0x${'b0'.padStart(40, '0')}`, 5n]),
    });
    const receipt = await h.send(raw);
    assert.equal(receipt.status, '0x0');
    assert.equal(receipt.logs.length, 1, 'the Transfer event is part of the proven receipt');
    const { signers, receipt: proven } = await checkEvidence(h, receipt.transactionHash, anchor);
    assert.deepEqual(signers, [0, 1, 2, 3], 'with every sealer up, all four sign');

    // Tampering with what the receipt says (status, output, a log) breaks the proof.
    const r = proven.transactionReceipt;
    const opts = { withRemainGas: true };
    const header = await h.client.getBlockHeaderByNumber(BigInt(r.blockNumber));
    for (const forged of [
      { ...r, status: '0x16' },
      { ...r, output: '0x01' },
      { ...r, logs: [] },
      { ...r, gasUsed: '0x1' },
    ]) {
      assert.throws(
        () => verifyReceiptProof({ ...proven, transactionReceipt: forged }, header.receiptsRoot, opts),
        FiscoProofError,
      );
    }
    // A 2.9 node's receipts hash with remainGas: the 2.8 encoding does not fold.
    assert.throws(
      () => verifyReceiptProof(proven, header.receiptsRoot, { withRemainGas: false }),
      FiscoProofError,
    );
    // The header must hash to its hash, and strangers' signatures do not count.
    assert.throws(() => verifyBlockHeader({ ...header, gasUsed: '0x1' }, anchor), FiscoHeaderHashError);
    const strangers = Array.from({ length: 4 }, () =>
      EcdsaSigner.random().address.slice(2).repeat(4).slice(0, 128),
    );
    assert.throws(() => verifyBlockHeader(header, strangers), FiscoQuorumError);
  } finally {
    await h.node.close();
  }
});

test('every transaction of a block of 40 (three 16-wide groups) proves against the roots', async () => {
  const h = await startHarness({ sealerCount: 4 });
  try {
    const anchor = await h.client.getSealerList();
    const hashes: string[] = [];
    for (let i = 0; i < 40; i++) {
      hashes.push(
        await h.client.sendRawTransaction(await h.sign({ to: `0x${'ab'.repeat(20)}`, data: '0x' })),
      );
    }
    await h.node.sealNow();
    for (const hash of hashes) await checkEvidence(h, hash, anchor);
    const a = await h.client.getTransactionReceiptByHashWithProof(hashes[17] as string);
    const b = await h.client.getTransactionByHashWithProof(hashes[3] as string);
    assert.ok(a && b);
    const header = await h.client.getBlockHeaderByNumber(BigInt(a.transactionReceipt.blockNumber));
    // A receipt proof alone binds no transaction: another transaction's receipt is refused.
    assert.throws(() => verifyTransactionWithReceipt(b, a, header, { withRemainGas: true }), FiscoProofError);
    // The receipt RLP does not cover transactionHash: a relabelled receipt still folds, so the
    // binding to the transaction's recomputed hash is what refuses it.
    const own = await h.client.getTransactionReceiptByHashWithProof(hashes[3] as string);
    assert.ok(own);
    const relabelled = {
      ...own,
      transactionReceipt: { ...own.transactionReceipt, transactionHash: hashes[4] as string },
    };
    verifyReceiptProof(relabelled, header.receiptsRoot, { withRemainGas: true });
    assert.throws(
      () => verifyTransactionWithReceipt(b, relabelled, header, { withRemainGas: true }),
      FiscoProofError,
    );
    verifyTransactionWithReceipt(b, own, header, { withRemainGas: true });
  } finally {
    await h.node.close();
  }
});

test('with one of four sealers down, every block carries exactly the quorum of 3', async () => {
  const h = await startHarness({ sealerCount: 4, sealersDown: 1 });
  try {
    const anchor = await h.client.getSealerList();
    const hash = await h.client.sendRawTransaction(await h.sign({ to: `0x${'ab'.repeat(20)}`, data: '0x' }));
    await h.node.sealNow();
    const { signers, receipt } = await checkEvidence(h, hash, anchor);
    assert.equal(signers.length, pbftQuorum(4));
    const header = await h.client.getBlockHeaderByNumber(BigInt(receipt.transactionReceipt.blockNumber));
    assert.equal(header.signatureList.length, 3);
    // One signature fewer, or one signature counted twice, is below the quorum.
    assert.throws(
      () => verifyBlockHeader({ ...header, signatureList: header.signatureList.slice(1) }, anchor),
      FiscoQuorumError,
    );
    const [first, second] = header.signatureList;
    assert.ok(first && second);
    assert.throws(
      () => verifyBlockHeader({ ...header, signatureList: [first, first, second] }, anchor),
      FiscoQuorumError,
    );
    const noSigs = await h.client.getBlockHeaderByNumber(BigInt(header.number), false);
    assert.deepEqual(noSigs.signatureList, []);
  } finally {
    await h.node.close();
  }
  await assert.rejects(
    startHarness({ sealerCount: 4, sealersDown: 2 }),
    RangeError,
    'f = 1 for four sealers',
  );
});

test('the committee adds a sealer: the next header lists it, signed by the old set; the new set seals after', async () => {
  const committee = EcdsaSigner.random();
  const h = await startHarness({ sealerCount: 4, observerCount: 1, committee: committee.address });
  try {
    const oldSet = await h.client.getSealerList();
    const [observer] = await h.client.getObserverList();
    assert.ok(observer);
    const stranger = await h.send(
      await h.sign({
        to: CONSENSUS_PRECOMPILE,
        data: consensus.encodeFunctionData('addSealer', [observer]) as `0x${string}`,
      }),
    );
    assert.equal(stranger.status, '0x0');
    assert.equal(int256(stranger.output), -50000, 'a non-committee account is refused: permission denied');
    const badId = await h.send(
      await h.sign(
        {
          to: CONSENSUS_PRECOMPILE,
          data: consensus.encodeFunctionData('addSealer', ['ab12']) as `0x${string}`,
        },
        committee,
      ),
    );
    assert.equal(int256(badId.output), -51100, 'invalid node id');
    await h.node.sealNow(true);
    assert.deepEqual(await h.client.getSealerList(), oldSet, 'refused calls change nothing');

    const add = await h.send(
      await h.sign(
        {
          to: CONSENSUS_PRECOMPILE,
          data: consensus.encodeFunctionData('addSealer', [observer]) as `0x${string}`,
        },
        committee,
      ),
    );
    assert.equal(int256(add.output), 1);
    const changedIn = BigInt(add.blockNumber);
    const same = await h.client.getBlockHeaderByNumber(changedIn);
    assert.deepEqual(same.sealerList, oldSet, 'the block holding the change still lists the old set');
    const newSet = [...oldSet, observer];
    assert.deepEqual(await h.client.getSealerList(), newSet);
    assert.deepEqual(await h.client.getObserverList(), []);

    await h.node.sealNow(true);
    const announcing = await h.client.getBlockHeaderByNumber(changedIn + 1n);
    assert.deepEqual(announcing.sealerList, newSet, 'the next header lists the new set');
    assert.equal(verifyBlockHeader(announcing, oldSet).signers.length, 4, 'signed by the old set');
    assert.equal(announcing.signatureList.length, 4, 'and by nobody else: the newcomer does not seal yet');
    await h.node.sealNow(true);
    const after = await h.client.getBlockHeaderByNumber(changedIn + 2n);
    assert.deepEqual(
      verifyBlockHeader(after, newSet).signers,
      [0, 1, 2, 3, 4],
      'the new set seals from then on',
    );
    assert.equal(pbftQuorum(5), 4);
  } finally {
    await h.node.close();
  }
});

test('the last sealer cannot be removed or made an observer', async () => {
  const committee = EcdsaSigner.random();
  const h = await startHarness({ sealerCount: 1, committee: committee.address });
  try {
    const [only] = await h.client.getSealerList();
    assert.ok(only);
    for (const method of ['remove', 'addObserver'] as const) {
      const r = await h.send(
        await h.sign(
          { to: CONSENSUS_PRECOMPILE, data: consensus.encodeFunctionData(method, [only]) as `0x${string}` },
          committee,
        ),
      );
      assert.equal(int256(r.output), -51101);
    }
    assert.deepEqual(await h.client.getSealerList(), [only]);
  } finally {
    await h.node.close();
  }
});

test('a proof asked for an unknown hash is null, as FISCO answers', async () => {
  const h = await startHarness();
  try {
    const unknown = `0x${'42'.repeat(32)}`;
    assert.equal(await h.client.getTransactionByHashWithProof(unknown), null);
    assert.equal(await h.client.getTransactionReceiptByHashWithProof(unknown), null);
  } finally {
    await h.node.close();
  }
});

test('guomi: SM3 roots and proofs, SM2 seals (r‖s‖public key) over the SM3 header hash', async () => {
  const h = await startHarness({ sealerCount: 4, crypto: 'sm' });
  try {
    const signer = Sm2Signer.random();
    const anchor = await h.client.getSealerList();
    const asset = await h.send(
      await h.sign(
        {
          to: null,
          data: (await import('../../../p2p/chains/fisco-bcos/abi.ts')).encodeDeploy(
            abi,
            assetArtifact.bytecode,
            ['Weft', 'W', 1000n],
          ),
        },
        signer,
      ),
    );
    assert.equal(asset.status, '0x0');
    assert.equal(asset.from, signer.address, 'the sender is the SM3 address of the SM2 key');
    const receipt = await h.send(
      await h.sign(
        { to: asset.contractAddress, data: encodeCall(abi, 'transfer', [`0x${'c0'.repeat(20)}`, 3n]) },
        signer,
      ),
    );
    assert.equal(receipt.status, '0x0');
    const { signers, tx } = await checkEvidence(h, receipt.transactionHash, anchor, sm2Scheme);
    assert.equal(signers.length, 4);
    assert.equal(tx.transaction.signature?.v.length, 2 + 128, 'guomi JSON carries the public key as v');
    const header = await h.client.getBlockHeaderByNumber(BigInt(receipt.blockNumber));
    assert.equal(header.signatureList[0]?.signature.length, 2 + 256, 'SM2 seals are r‖s‖public key');
    // The same evidence read as keccak/secp256k1 does not verify.
    assert.throws(() => verifyBlockHeader(header, anchor), FiscoHeaderHashError);
  } finally {
    await h.node.close();
  }
});
