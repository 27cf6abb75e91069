/**
 * Every vector of ../shared/vectors/fisco-bcos-2x-chain.json (real FISCO BCOS 2.x node output)
 * through the project's own codecs: header hashes, sealer seals and the quorum, transactions
 * rebuilt from their JSON fields, transactions and receipts against their block's roots, and the
 * four-level Merkle proof. Each vector also gets tampered copies that must fail with the typed
 * errors. A vector no check reads fails the last test, so a new vector cannot slip by unchecked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  blockHeaderHash,
  type SignedFiscoBlockHeader,
  verifyBlockHeader,
} from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { fromHex, toHex } from '../../../p2p/chains/fisco-bcos/bytes.ts';
import { ecdsaScheme } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import {
  FiscoHeaderHashError,
  FiscoProofError,
  FiscoQuorumError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import {
  verifyReceiptProof,
  verifyTransactionInclusion,
  verifyTransactionProof,
} from '../../../p2p/chains/fisco-bcos/evidence.ts';
import { merkleLeaf, merkleRoot } from '../../../p2p/chains/fisco-bcos/merkle.ts';
import { receiptLeaf } from '../../../p2p/chains/fisco-bcos/receipt.ts';
import type { FiscoReceipt, FiscoTransaction } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import type { SignatureScheme } from '../../../p2p/chains/fisco-bcos/signature-scheme.ts';
import { sm2Scheme } from '../../../p2p/chains/fisco-bcos/sm2.ts';
import { decodeTransaction, recoverSender } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { transactionRawFromJson } from '../../../p2p/chains/fisco-bcos/transaction-json.ts';

interface Vector {
  crypto?: 'sm';
  block?: SignedFiscoBlockHeader & { transactions?: string[] };
  signatureList?: SignedFiscoBlockHeader['signatureList'];
  transactions?: (FiscoTransaction & { rawReconstructed: string })[];
  receipts?: FiscoReceipt[];
  transactionAndProof?: { transaction: FiscoTransaction; txProof: { left: string[]; right: string[] }[] };
}

const file = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/fisco-bcos-2x-chain.json', import.meta.url), 'utf8'),
) as { vectors: Record<string, Vector> };
const vectors = Object.entries(file.vectors);
const checked = new Map<string, Set<string>>();
const mark = (name: string, what: string) => checked.set(name, (checked.get(name) ?? new Set()).add(what));
const schemeOf = (v: Vector): SignatureScheme => (v.crypto === 'sm' ? sm2Scheme : ecdsaScheme);
/** The 2.7-era nodes these vectors come from encode receipts without remainGas. */
const withRemainGas = false;
const flipHex = (hex: string, at: number) =>
  `${hex.slice(0, at)}${((Number.parseInt(hex[at] as string, 16) + 1) % 16).toString(16)}${hex.slice(at + 1)}`;

/** The level with its first right sibling split in two: same bytes, one node more. */
const splitFirst = (level: { left: string[]; right: string[] }) => {
  const [head, ...rest] = level.right;
  assert.ok(head, 'a level with a right sibling');
  return { ...level, right: [head.slice(0, 20), head.slice(20), ...rest] };
};

function headerOf(v: Vector): SignedFiscoBlockHeader {
  const block = v.block as SignedFiscoBlockHeader;
  return {
    ...block,
    number: `0x${BigInt(block.number).toString(16)}`,
    signatureList: v.signatureList ?? [],
  };
}

test('every header hashes to its hash and carries a quorum of seals from its sealer list', () => {
  for (const [name, v] of vectors) {
    if (!v.block?.parentHash) continue;
    const scheme = schemeOf(v);
    const header = headerOf(v);
    assert.equal(toHex(blockHeaderHash(header, scheme)), header.hash, name);
    const { signers, quorum } = verifyBlockHeader(header, header.sealerList, scheme);
    assert.equal(signers.length, header.signatureList.length, `${name}: every seal verifies`);
    assert.ok(signers.length >= quorum, name);
    mark(name, 'header');

    // Any header field changed: the hash no longer recomputes.
    for (const field of ['parentHash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'dbHash'] as const) {
      assert.throws(
        () =>
          verifyBlockHeader({ ...header, [field]: flipHex(header[field], 10) }, header.sealerList, scheme),
        FiscoHeaderHashError,
        `${name}: ${field}`,
      );
    }
    assert.throws(
      () => verifyBlockHeader({ ...header, timestamp: `${header.timestamp}0` }, header.sealerList, scheme),
      FiscoHeaderHashError,
    );
    // The other scheme's hash does not match: guomi and standard chains are told apart.
    assert.throws(
      () => verifyBlockHeader(header, header.sealerList, scheme === sm2Scheme ? ecdsaScheme : sm2Scheme),
      FiscoHeaderHashError,
    );
    // A corrupted seal does not count; below the quorum the header is refused.
    const [first, ...rest] = header.signatureList;
    assert.ok(first);
    const broken = { ...first, signature: flipHex(first.signature, 20) };
    const shortBy = header.signatureList.length - quorum + 1;
    assert.throws(
      () =>
        verifyBlockHeader(
          { ...header, signatureList: [broken, ...rest].slice(0, header.signatureList.length - shortBy + 1) },
          header.sealerList,
          scheme,
        ),
      FiscoQuorumError,
      `${name}: corrupted seal`,
    );
    // A seal checked against another sealer's node ID (a shifted index) does not count either.
    const rotated = [...header.sealerList.slice(1), header.sealerList[0] as string];
    if (header.sealerList.length > 1)
      assert.throws(
        () => verifyBlockHeader(header, rotated, scheme),
        FiscoQuorumError,
        `${name}: wrong sealer`,
      );
    // Counting one sealer twice does not reach the quorum.
    if (quorum > 1)
      assert.throws(
        () =>
          verifyBlockHeader(
            { ...header, signatureList: Array(quorum).fill(first) },
            header.sealerList,
            scheme,
          ),
        FiscoQuorumError,
      );
  }
});

test('every transaction rebuilt from its JSON fields reproduces the raw bytes, hash and sender', () => {
  for (const [name, v] of vectors) {
    const scheme = schemeOf(v);
    for (const tx of v.transactions ?? []) {
      const raw = toHex(transactionRawFromJson(tx, scheme));
      assert.equal(raw, tx.rawReconstructed, name);
      const decoded = decodeTransaction(raw, scheme);
      assert.equal(decoded.hash, tx.hash, name);
      assert.equal(recoverSender(decoded, scheme), tx.from, name);
      // A field changed: the rebuilt hash is another transaction's.
      assert.notEqual(
        toHex(scheme.hash(transactionRawFromJson({ ...tx, input: `${tx.input}00` }, scheme))),
        tx.hash,
      );
      mark(name, 'transaction');
    }
  }
});

test("every block's transactions and receipts give its roots, and prove against them", () => {
  for (const [name, v] of vectors) {
    const scheme = schemeOf(v);
    const block = v.block;
    if (!block) continue;
    const hashes = block.transactions ?? v.transactions?.map((t) => t.hash);
    if (hashes) {
      const leaves = hashes.map((h, i) => merkleLeaf(i, fromHex(h)));
      assert.equal(toHex(merkleRoot(leaves, scheme.hash)), block.transactionsRoot, name);
      for (const tx of v.transactions ?? []) {
        const single = [{ left: [], right: [] }];
        assert.equal(
          verifyTransactionProof({ transaction: tx, txProof: single }, block.transactionsRoot, { scheme }),
          tx.hash,
        );
        // A reported hash other than the fields' hash is refused even though the fields prove;
        // so are another field's value and another index.
        for (const transaction of [
          { ...tx, hash: flipHex(tx.hash, 9) },
          { ...tx, value: '0x1' },
          { ...tx, transactionIndex: '0x1' },
        ]) {
          assert.throws(
            () =>
              verifyTransactionProof({ transaction, txProof: single }, block.transactionsRoot, { scheme }),
            FiscoProofError,
          );
        }
      }
      mark(name, 'transactionsRoot');
    }
    if (v.receipts) {
      const leaves = v.receipts.map((r, i) => receiptLeaf(r, i, withRemainGas, scheme));
      assert.equal(toHex(merkleRoot(leaves, scheme.hash)), block.receiptsRoot, name);
      for (const r of v.receipts) {
        const proof = { transactionReceipt: r, receiptProof: [{ left: [], right: [] }] };
        verifyReceiptProof(proof, block.receiptsRoot, { scheme, withRemainGas });
        for (const forged of [
          { ...r, status: '0x0' },
          { ...r, output: '0x' },
          { ...r, gasUsed: '0x5799' },
          { ...r, logs: [{ address: r.contractAddress, topics: [], data: '0x' }] },
        ]) {
          assert.throws(
            () =>
              verifyReceiptProof({ ...proof, transactionReceipt: forged }, block.receiptsRoot, {
                scheme,
                withRemainGas,
              }),
            FiscoProofError,
          );
        }
        // The 2.9 encoding (with remainGas) of the same receipt is another leaf.
        assert.throws(
          () => verifyReceiptProof(proof, block.receiptsRoot, { scheme, withRemainGas: true }),
          FiscoProofError,
        );
      }
      mark(name, 'receiptsRoot');
    }
  }
});

test('the four-level proof of transaction 140 folds to the block transactionsRoot, and no tampered copy does', () => {
  for (const [name, v] of vectors) {
    if (!v.transactionAndProof || !v.block) continue;
    const scheme = schemeOf(v);
    const { transaction, txProof } = v.transactionAndProof;
    const index = Number(BigInt(transaction.transactionIndex as string));
    const root = v.block.transactionsRoot;
    verifyTransactionInclusion(transaction.hash, index, txProof, root, { scheme });
    mark(name, 'proof');
    const level0 = txProof[0] as { left: string[]; right: string[] };
    const tampered: unknown[] = [
      [
        { ...level0, left: [flipHex(level0.left[0] as string, 40), ...level0.left.slice(1)] },
        ...txProof.slice(1),
      ],
      [{ left: level0.right, right: level0.left }, ...txProof.slice(1)],
      txProof.slice(0, -1),
      [...txProof.slice(0, -1), { left: ['00'], right: [] }],
      [...txProof, { left: [], right: [] }],
      [{ ...level0, right: [...level0.right, 'zz'] }, ...txProof.slice(1)],
      // A node split in two: the same concatenation, so the same root, but not a proof of positions.
      [level0, txProof[1], splitFirst(txProof[2] as typeof level0), ...txProof.slice(3)],
      [splitFirst(level0), ...txProof.slice(1)],
      'not a proof',
    ];
    for (const proof of tampered)
      assert.throws(
        () => verifyTransactionInclusion(transaction.hash, index, proof, root, { scheme }),
        FiscoProofError,
      );
    assert.throws(
      () => verifyTransactionInclusion(transaction.hash, index + 1, txProof, root, { scheme }),
      FiscoProofError,
    );
    assert.throws(
      () => verifyTransactionInclusion(flipHex(transaction.hash, 5), index, txProof, root, { scheme }),
      FiscoProofError,
    );
  }
});

test('no vector goes unchecked', () => {
  for (const [name, v] of vectors) {
    const seen = checked.get(name) ?? new Set();
    assert.ok(seen.size > 0, `${name} was not checked`);
    if (v.block?.parentHash) assert.ok(seen.has('header'), `${name}: header`);
    if (v.transactions) assert.ok(seen.has('transaction'), `${name}: transactions`);
    if (v.receipts) assert.ok(seen.has('receiptsRoot'), `${name}: receipts`);
    if (v.transactionAndProof) assert.ok(seen.has('proof'), `${name}: proof`);
  }
});
