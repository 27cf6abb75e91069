/**
 * verifyFiscoExecution against evidence from the devnode's ledger (in process): a transaction the
 * wallet signed proves its execution; every lie a router could tell (proof, root, seals, sealer
 * set, the transaction itself, a forged sealer change) is refused with a typed error; sealer-set
 * changes are followed header by header from the anchor, and the anchor advances.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Interface } from 'ethers';
import fc from 'fast-check';
import type { FiscoChainProfile, FiscoTxEvidence } from '../../../p2p/chains/chain-profile.ts';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { toHex } from '../../../p2p/chains/fisco-bcos/bytes.ts';
import { keyValueArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import {
  FiscoEvidenceError,
  FiscoHeaderHashError,
  FiscoProofError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import { transactionRawFromJson } from '../../../p2p/chains/fisco-bcos/transaction-json.ts';
import {
  FiscoAnchorError,
  FiscoTransactionBindingError,
  verifyFiscoExecution,
} from '../../../p2p/chains/fisco-bcos/verify-execution.ts';
import { type Chain, headerSource, openChain, reseal, sealers, strangers } from './execution-fixture.ts';

const noHeaders = { headerAt: async () => null };
const flipHex = (hex: string, at: number) =>
  `${hex.slice(0, at)}${((Number.parseInt(hex[at] as string, 16) + 1) % 16).toString(16)}${hex.slice(at + 1)}`;

let chain: Chain;
let hash: Hex;
let other: Hex;
let evidence: FiscoTxEvidence;
let anchor: FiscoChainProfile;
let contract: string;
let setData: Hex;

before(async () => {
  // Three of four sealers sign (exactly the quorum), so any lost seal drops below it.
  chain = await openChain({ sealersDown: 1 });
  const deploy = chain.submit(
    null,
    encodeDeploy(keyValueArtifact.abi as never, keyValueArtifact.bytecode, []),
  );
  await chain.seal();
  contract = chain.ledger.receipt(deploy)?.contractAddress as string;
  setData = new Interface(keyValueArtifact.abi as never).encodeFunctionData('set', ['k', 'v']) as Hex;
  hash = chain.submit(contract, setData);
  // No contract there: FISCO's CallAddressError (0x1a).
  other = chain.submit('0x00000000000000000000000000000000000000aa', '0x5678');
  await chain.seal();
  evidence = chain.evidence(hash);
  anchor = chain.anchorAt(0n);
});
after(() => chain.ledger.close());

test('a sealed transaction verifies: what executed, who sealed it, the anchor advanced', async () => {
  const { execution, anchor: moved } = await verifyFiscoExecution(evidence, anchor, {
    txHash: hash,
    ...noHeaders,
  });
  assert.equal(execution.txHash, hash);
  assert.equal(execution.blockNumber, 2n);
  assert.equal(execution.blockHash, evidence.header.hash);
  assert.equal(execution.status, 'success');
  assert.equal(execution.chainStatus, '0x0');
  assert.equal(execution.from, chain.user.address);
  assert.equal(execution.to, contract);
  assert.equal(execution.input, setData);
  assert.equal(execution.contractAddress, null);
  assert.equal(execution.logs.length, 1);
  assert.equal(execution.logs[0]?.address, contract);
  assert.deepEqual(execution.logs, evidence.receipt.transactionReceipt.logs);
  assert.deepEqual(execution.sealedBy, { signers: 3, sealers: 4, quorum: 3 });
  assert.deepEqual(moved, { ...anchor, sealersAt: 2, sealers: evidence.header.sealerList });
  // A wallet that signed the transaction names its sender: the same outcome, no recovery.
  const named = await verifyFiscoExecution(evidence, anchor, {
    txHash: hash,
    sender: chain.user.address,
    ...noHeaders,
  });
  assert.deepEqual(named.execution, execution);
  // The second transaction of the block has its own proof, against the same header; it failed.
  const second = await verifyFiscoExecution(chain.evidence(other), anchor, { txHash: other, ...noHeaders });
  assert.equal(second.execution.input, '0x5678');
  assert.equal(second.execution.status, 'reverted');
  assert.equal(second.execution.chainStatus, '0x1a');
  assert.match(second.execution.output, /^0x08c379a0/);
});

test('evidence for another transaction than the one signed is refused', async () => {
  await assert.rejects(
    verifyFiscoExecution(chain.evidence(other), anchor, { txHash: hash, ...noHeaders }),
    FiscoTransactionBindingError,
  );
  // The JSON changed after signing (input): it no longer rebuilds to the signed hash.
  const changed = structuredClone(evidence);
  changed.transaction.transaction.input = '0x1235';
  await assert.rejects(
    verifyFiscoExecution(changed, anchor, { txHash: hash, ...noHeaders }),
    FiscoTransactionBindingError,
  );
});

test('a transaction for another chain or group is refused', async () => {
  for (const wrong of [{ chainId: 2 }, { groupId: 2 }]) {
    await assert.rejects(
      verifyFiscoExecution(evidence, { ...anchor, ...wrong }, { txHash: hash, ...noHeaders }),
      FiscoTransactionBindingError,
    );
  }
});

test('a proof whose sibling changed, or a receipt that changed, does not fold to the root', async () => {
  const sibling = structuredClone(evidence);
  const level = sibling.transaction.txProof[0] as { left: string[]; right: string[] };
  const side = level.right.length > 0 ? level.right : level.left;
  side[0] = flipHex(side[0] as string, 70);
  await assert.rejects(
    verifyFiscoExecution(sibling, anchor, { txHash: hash, ...noHeaders }),
    FiscoProofError,
  );
  const receipt = structuredClone(evidence);
  receipt.receipt.transactionReceipt.status = '0x16';
  await assert.rejects(
    verifyFiscoExecution(receipt, anchor, { txHash: hash, ...noHeaders }),
    FiscoProofError,
  );
});

test('a header whose root changed: its hash breaks; re-sealed by the sealers, the proofs break', async () => {
  const root = structuredClone(evidence);
  root.header.receiptsRoot = flipHex(root.header.receiptsRoot, 10);
  await assert.rejects(
    verifyFiscoExecution(root, anchor, { txHash: hash, ...noHeaders }),
    FiscoHeaderHashError,
  );
  // Even a header the sealers did sign must hold the proofs: recompute its hash and re-seal it.
  const { blockHeaderHash } = await import('../../../p2p/chains/fisco-bcos/block-header.ts');
  const { toHex } = await import('../../../p2p/chains/fisco-bcos/bytes.ts');
  root.header.hash = toHex(blockHeaderHash(root.header));
  root.header = reseal(
    root.header,
    [0, 1, 2].map((index) => ({ sealer: sealers[index] as never, index })),
  );
  await assert.rejects(verifyFiscoExecution(root, anchor, { txHash: hash, ...noHeaders }), FiscoProofError);
});

test('seals below the quorum, by a non-sealer, a duplicated index, or a wrong sealer set are refused', async () => {
  const current = chain.anchorAt(1n);
  const cases: Array<[string, (e: FiscoTxEvidence) => void]> = [
    ['one seal dropped', (e) => e.header.signatureList.pop()],
    [
      'a seal by a non-sealer',
      (e) => {
        const first = e.header.signatureList[0] as { index: string };
        e.header.signatureList[0] = reseal(e.header, [
          { sealer: strangers[0] as never, index: Number(first.index) },
        ]).signatureList[0] as never;
      },
    ],
    [
      'a duplicated index',
      (e) => {
        e.header.signatureList[1] = structuredClone(
          e.header.signatureList[0],
        ) as (typeof e.header.signatureList)[number];
      },
    ],
  ];
  for (const [name, tamper] of cases) {
    const lie = structuredClone(evidence);
    tamper(lie);
    await assert.rejects(
      verifyFiscoExecution(lie, current, { txHash: hash, ...noHeaders }),
      (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'header-unverified',
      name,
    );
  }
  const wrongSet = { ...current, sealers: strangers.map((s) => s.nodeId) };
  await assert.rejects(
    verifyFiscoExecution(evidence, wrongSet, { txHash: hash, ...noHeaders }),
    (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'header-unverified',
  );
});

test('random hex-digit flips anywhere in the evidence never verify to anything else', async () => {
  const { execution } = await verifyFiscoExecution(evidence, anchor, { txHash: hash, ...noHeaders });
  const paths: Array<(string | number)[]> = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) paths.push(path);
    else if (typeof value === 'string' && /^[0-9a-f]+$/i.test(value) && value.length > 8) paths.push(path);
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value))
        walk(inner, [...path, Array.isArray(value) ? Number(key) : key]);
  };
  walk(evidence, []);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: paths.length - 1 }), fc.nat(), async (which, at) => {
      const lie = structuredClone(evidence) as unknown as Record<string | number, unknown>;
      const path = paths[which] as (string | number)[];
      let holder = lie;
      for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
      const last = path.at(-1) as string | number;
      const text = holder[last] as string;
      const start = text.startsWith('0x') ? 2 : 0;
      holder[last] = flipHex(text, start + (at % (text.length - start)));
      try {
        const result = await verifyFiscoExecution(lie as unknown as FiscoTxEvidence, anchor, {
          txHash: hash,
          ...noHeaders,
        });
        // Only fields no hash covers (the node's from, blockNumber echoes ...) may change: same outcome.
        assert.deepEqual(result.execution, execution, `flip at ${path.join('.')} verified differently`);
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof FiscoEvidenceError, `${path.join('.')}: ${String(error)}`);
      }
    }),
    { numRuns: 150 },
  );
});

test('a sealer change is followed header by header from the anchor, and the anchor moves to it', async () => {
  const local = await openChain();
  try {
    const before = local.anchorAt(0n);
    const removed = sealers[0]?.nodeId as string;
    const changedIn = await local.removeSealer(removed);
    await local.seal();
    const h = local.submit('0x00000000000000000000000000000000000000bb', '0x');
    const at = await local.seal();
    assert.equal(at, changedIn + 2n, 'the header listing the new set, then one sealed by it');
    const e = local.evidence(h);
    assert.equal(e.header.sealerList.length, 3);
    const source = headerSource(local);
    const { execution, anchor: moved } = await verifyFiscoExecution(e, before, {
      txHash: h,
      headerAt: source.headerAt,
    });
    assert.deepEqual(source.fetched, [1n, 2n]);
    assert.deepEqual(execution.sealedBy, { signers: 3, sealers: 3, quorum: 3 });
    assert.equal(moved.sealersAt, Number(at));
    assert.deepEqual(moved.sealers, e.header.sealerList);
    // From the moved anchor no walk is needed.
    const again = headerSource(local);
    await verifyFiscoExecution(e, moved, { txHash: h, headerAt: again.headerAt });
    assert.deepEqual(again.fetched, []);

    // The header announcing the new set, sealed by the NEW set instead of the old quorum.
    const announcing = local.header(2n);
    assert.ok(announcing);
    const forged = reseal(
      announcing,
      [1, 2, 3].map((s, index) => ({ sealer: sealers[s] as never, index })),
    );
    const liar = headerSource(local, new Map([[2n, forged]]));
    await assert.rejects(
      verifyFiscoExecution(e, before, { txHash: h, headerAt: liar.headerAt }),
      (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'header-unverified',
    );
    // Headers sealed by the same sealers but of another chain (a fork): one on the walk, or the
    // evidence header itself (the same transaction, included on the fork).
    const fork = await openChain();
    try {
      await fork.removeSealer(removed);
      await fork.seal();
      const tx = local.ledger.transaction(h);
      assert.ok(tx);
      fork.ledger.submit(toHex(transactionRawFromJson(tx)));
      await fork.seal();
      const forkedWalk = headerSource(local, new Map([[1n, fork.header(1n)]]));
      await assert.rejects(
        verifyFiscoExecution(e, before, { txHash: h, headerAt: forkedWalk.headerAt }),
        (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'not-linked',
        'a forked header on the walk',
      );
      const forkedEvidence = fork.evidence(h);
      assert.equal(forkedEvidence.header.number, e.header.number);
      await assert.rejects(
        verifyFiscoExecution(forkedEvidence, before, { txHash: h, headerAt: headerSource(local).headerAt }),
        (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'not-linked',
        'a forked evidence header',
      );
      // On the fork's own headers, the forked evidence verifies: the refusals above are the links.
      await verifyFiscoExecution(forkedEvidence, before, {
        txHash: h,
        headerAt: headerSource(fork).headerAt,
      });
    } finally {
      await fork.ledger.close();
    }
    // Headers are fetched ahead; a fetch that fails is the walk's failure, in order.
    const failing = {
      async headerAt(n: bigint) {
        if (n === 2n) throw new Error('router gone');
        return local.header(n);
      },
    };
    await assert.rejects(verifyFiscoExecution(e, before, { txHash: h, ...failing }), /router gone/);
    // A header missing on the way, a walk longer than allowed.
    await assert.rejects(
      verifyFiscoExecution(e, before, {
        txHash: h,
        headerAt: headerSource(local, new Map([[1n, null]])).headerAt,
      }),
      (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'header-missing',
    );
    await assert.rejects(
      verifyFiscoExecution(e, before, { txHash: h, headerAt: source.headerAt, maxWalk: 1 }),
      (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'walk-too-long',
    );
    // A header older than the anchor, sealed by a set the anchor no longer holds.
    const early = await openChain();
    try {
      const t = early.submit('0x00000000000000000000000000000000000000dd', '0x');
      await early.seal();
      await early.removeSealer(removed);
      await early.seal();
      await assert.rejects(
        verifyFiscoExecution(early.evidence(t), early.anchorAt(3n), { txHash: t, ...noHeaders }),
        (error: unknown) => error instanceof FiscoAnchorError && error.reason === 'older-than-anchor',
      );
    } finally {
      await early.ledger.close();
    }
  } finally {
    await local.ledger.close();
  }
});

test("a guomi (SM2/SM3) chain: the same checks with the anchor's crypto", async () => {
  const sm = await openChain({ crypto: 'sm', sealersDown: 1 });
  try {
    const t = sm.submit('0x00000000000000000000000000000000000000ee', '0x');
    await sm.seal();
    const e = sm.evidence(t);
    const anchorSm = sm.anchorAt(0n);
    const { execution } = await verifyFiscoExecution(e, anchorSm, { txHash: t, ...noHeaders });
    assert.equal(execution.from, sm.user.address);
    assert.deepEqual(execution.sealedBy, { signers: 3, sealers: 4, quorum: 3 });
    // Verified as an ECDSA chain, the transaction does not even rebuild to its hash.
    await assert.rejects(
      verifyFiscoExecution(e, { ...anchorSm, crypto: 'ecdsa' }, { txHash: t, ...noHeaders }),
      FiscoEvidenceError,
    );
    const dropped = structuredClone(e);
    dropped.header.signatureList.pop();
    await assert.rejects(
      verifyFiscoExecution(dropped, sm.anchorAt(1n), { txHash: t, ...noHeaders }),
      FiscoAnchorError,
    );
  } finally {
    await sm.ledger.close();
  }
});
