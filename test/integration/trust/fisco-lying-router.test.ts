/**
 * A lying entry router in front of a real FISCO BCOS devnode (4 sealers, quorum 3): it invents
 * receipts, rewrites evidence, replays old evidence, offers a false trust anchor, names
 * unrelated transactions as TTM events and drops a cross-chain leg. Each lie must end in an
 * EvidenceRefusedError (or a TTM that ends safely), and nothing false may be shown or used: the
 * balances on the chain say what really happened.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Interface, keccak256 } from 'ethers';
import { submitFiscoWrite } from '../../../background/signing/fisco-write.ts';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import { type AssetChain, assetChain } from '../../../background/ttm/asset-chain.ts';
import type { DriveContext } from '../../../background/ttm/drive-context.ts';
import { driveTransaction } from '../../../background/ttm/drive-transaction.ts';
import { COMMIT_MARGIN_S } from '../../../background/ttm/timing.ts';
import type { Hex, TransactionRecord } from '../../../background/ttm/types.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import type { FiscoChainProfile, FiscoTxEvidence } from '../../../p2p/chains/chain-profile.ts';
import type { ResourceEventRecord } from '../../../p2p/chains/connector.ts';
import { decodeResult, encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { blockHeaderHash } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { FiscoBcosConnector } from '../../../p2p/chains/fisco-bcos/connector.ts';
import type { FiscoBlockHeaderJson } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import { sealerFromKey } from '../../../p2p/devnet/fisco-bcos/sealers.ts';
import { newVault } from '../asset-chain/wallet.ts';
import { assetArtifact, type Harness, startHarness } from '../fisco-bcos/helpers.ts';
import { copy, freshTrust, type LyingClient, lyingRouterFor } from './lying-client.ts';

const PATH = 'payment.bcos.asset';
const PATH2 = 'payment.bcos.asset2';
const abi = assetArtifact.abi as never;
const assetInterface = new Interface(assetArtifact.abi as never);
const PREPARE = assetInterface.getFunction('prepare')?.selector.slice(2) as string;
const ZERO32 = `0x${'00'.repeat(32)}`;

let h: Harness;
let asset: string;
let asset2: string;
let client: LyingClient;
let closeRouter: () => Promise<void>;
let vault: Vault;
let alice: { index: number; address: string };
const bob = `0x${'b0'.repeat(20)}`;

before(async () => {
  h = await startHarness({ blockIntervalMs: 5, sealerCount: 4 });
  asset = await h.deploy(assetArtifact, ['Weft Coin', 'WFC', 1_000_000n]);
  asset2 = await h.deploy(assetArtifact, ['Other Coin', 'OTC', 1_000_000n]);
  const connector = new FiscoBcosConnector({
    url: h.node.url,
    chainId: h.node.chainId,
    groupId: h.node.groupId,
    zone: 'payment',
    chainName: 'bcos',
    resources: [
      { name: 'asset', address: asset, abi },
      { name: 'asset2', address: asset2, abi },
    ],
  });
  ({ client, close: closeRouter } = await lyingRouterFor('payment', connector));
  vault = await newVault();
  const account = await vault.addAccount('alice');
  alice = { index: account.index, address: account.address.toLowerCase() };
  for (const contract of [asset, asset2]) {
    const receipt = await h.send(
      await h.sign({ to: contract, data: encodeCall(abi, 'transfer', [alice.address, 1_000n]) }),
    );
    assert.equal(receipt.status, '0x0');
  }
});

after(async () => {
  await closeRouter?.();
  await h?.node.close();
});

async function view(contract: string, method: string, args: unknown[]): Promise<unknown> {
  const output = await h.client.callChecked({ to: contract, data: encodeCall(abi, method, args) });
  return decodeResult(abi, method, output)[0];
}
const balance = (account: string, contract = asset) =>
  view(contract, 'balanceOf', [account]) as Promise<bigint>;

function transfer(to: string, amount: bigint) {
  return { path: PATH, to: asset, data: encodeCall(abi, 'transfer', [to, amount]), abi };
}

/** The router relays, but every txEvidence answer goes through `mutate` first. */
function rewriteEvidence(mutate: (evidence: FiscoTxEvidence) => void): void {
  client.lie('txEvidence', async (_body, honest) => {
    const evidence = await honest();
    if (!evidence) return evidence;
    const forged = copy(evidence);
    mutate(forged);
    return forged;
  });
}

/** An honest transfer of `amount` to bob through the wallet, for evidence to replay later. */
async function honestTransfer(amount: bigint) {
  client.truth();
  return submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, amount));
}

/** Seals of `header`'s hash by keys the anchor never heard of, at every index. */
function strangersSeal(header: FiscoBlockHeaderJson, count = 4): FiscoBlockHeaderJson['signatureList'] {
  const hash = blockHeaderHash(header);
  return Array.from({ length: count }, (_, i) => ({
    index: `0x${i.toString(16)}`,
    signature: sealerFromKey(bytesToHex(randomBytes(32))).sign(hash),
  }));
}

/** Four sealers the anchor never heard of: the set a lying router's forged headers name. */
const strangers = Array.from({ length: 4 }, () => sealerFromKey(bytesToHex(randomBytes(32))));

/** The header re-made for another sealer set: its list names strangers, who seal it, the hash recomputed. */
function resealedByStrangers(header: FiscoBlockHeaderJson): void {
  header.sealerList = strangers.map((s) => s.nodeId);
  const hash = blockHeaderHash(header);
  header.hash = `0x${bytesToHex(hash)}`;
  header.signatureList = strangers.map((s, i) => ({ index: `0x${i.toString(16)}`, signature: s.sign(hash) }));
}

/** The transaction and receipt of `evidence` re-pointed at block `hash` (a field outside their proofs). */
function pointAt(evidence: FiscoTxEvidence, hash: string): void {
  evidence.transaction.transaction.blockHash = hash;
  evidence.receipt.transactionReceipt.blockHash = hash;
}

/** A refused write: EvidenceRefusedError, and alice's and bob's balances as they were. */
async function refusedAndUnmoved(pending: Promise<unknown>, moved = 0n): Promise<EvidenceRefusedError> {
  const before: [bigint, bigint] = [await balance(alice.address), await balance(bob)];
  let refused: unknown;
  await assert.rejects(pending, (error) => {
    refused = error;
    return error instanceof EvidenceRefusedError;
  });
  client.truth();
  assert.deepEqual(
    [await balance(alice.address), await balance(bob)],
    [before[0] - moved, before[1] + moved],
  );
  return refused as EvidenceRefusedError;
}

test('control: an honest router relays, the receipt verifies, sealed by 3 of the 4 anchored sealers', async () => {
  const before = await balance(bob);
  const receipt = await honestTransfer(3n);
  assert.equal(receipt.status, 'success');
  assert.match(receipt.verified.by, /^sealed by [34] of 4 sealers/);
  assert.equal(await balance(bob), before + 3n);
});

test('1. a success receipt invented for a transfer never relayed is refused; nothing moves', async () => {
  client.lie('submit', async (body) => ({
    txId: keccak256(body.signed),
    blockNumber: 1n,
    status: 'success',
    chainStatus: '0x0',
    output: '0x',
    events: [],
  }));
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 5n)),
  );
  assert.match(refused.reason, /shows no receipt/);
  assert.equal(refused.path, PATH);
});

test('2a. a success receipt flipped to reverted is refused (the receipt no longer folds to its root)', async () => {
  rewriteEvidence((e) => {
    e.receipt.transactionReceipt.status = '0x16';
  });
  // Relayed: the transfer happened, but the wallet does not say it failed either.
  await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 2n)),
    2n,
  );
});

test('2b. a reverted transfer flipped to success is refused; the wallet never shows it as sent', async () => {
  // Control: honestly, an overdraft comes back reverted.
  client.truth();
  const honest = await submitFiscoWrite(
    client,
    vault,
    freshTrust(client),
    alice.index,
    transfer(bob, 10n ** 9n),
  );
  assert.equal(honest.status, 'reverted');
  rewriteEvidence((e) => {
    e.receipt.transactionReceipt.status = '0x0';
  });
  await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 10n ** 9n)),
  );
});

test('2c. a receipt proof sibling changed is refused', async () => {
  // Two transactions in the block, so the receipt's proof has a sibling to change.
  client.lie('submit', async (_body, honest) => {
    h.node.pauseSealing();
    try {
      const other = await h.sign({ to: asset, data: encodeCall(abi, 'transfer', [bob, 1n]) });
      await h.client.sendRawTransaction(other);
      const relayed = honest();
      await new Promise((resolve) => setTimeout(resolve, 300));
      h.node.resumeSealing();
      return await relayed;
    } finally {
      h.node.resumeSealing();
    }
  });
  let changed = false;
  rewriteEvidence((e) => {
    const proof = e.receipt.receiptProof as { left: string[]; right: string[] }[];
    for (const level of proof) {
      const side = level.left.length > 0 ? level.left : level.right;
      const sibling = side[0];
      if (sibling === undefined) continue;
      side[0] = `${sibling.slice(0, -2)}${sibling.endsWith('00') ? '01' : '00'}`;
      changed = true;
      return;
    }
  });
  const issuerBefore = await balance(bob);
  await assert.rejects(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 1n)),
    EvidenceRefusedError,
  );
  client.truth();
  assert.ok(changed, 'the block held two transactions: the proof had a sibling to change');
  assert.equal(await balance(bob), issuerBefore + 2n);
});

test('2d. a header with its seals dropped below quorum (2 of 4) is refused', async () => {
  rewriteEvidence((e) => {
    e.header.signatureList = e.header.signatureList?.slice(0, 2) ?? [];
  });
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 1n)),
    1n,
  );
  assert.match(refused.reason, /quorum|sign/i);
});

test('2e. one seal repeated to look like a quorum is counted once and refused', async () => {
  rewriteEvidence((e) => {
    const one = e.header.signatureList?.[0];
    assert.ok(one);
    e.header.signatureList = [one, one, one, one];
  });
  await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 1n)),
    1n,
  );
});

test('2f. a header sealed by keys not in the anchored set is refused', async () => {
  rewriteEvidence((e) => {
    e.header.signatureList = strangersSeal(e.header);
  });
  await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 1n)),
    1n,
  );
});

test('2g. the transaction in the evidence swapped for another one is refused', async () => {
  const old = await honestTransfer(1n);
  const oldEvidence = await client.request({ op: 'txEvidence', path: PATH, txId: old.txId as Hex });
  assert.ok(oldEvidence);
  rewriteEvidence((e) => {
    e.transaction = oldEvidence.transaction;
  });
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 1n)),
    1n,
  );
  assert.match(refused.reason, /evidence is for transaction/);
});

test('3. an old receipt replayed for a transfer never relayed is refused (bound to the hash signed)', async () => {
  const old = await honestTransfer(4n);
  const oldEvidence = await client.request({ op: 'txEvidence', path: PATH, txId: old.txId as Hex });
  assert.ok(oldEvidence);
  client.lie('submit', async (body) => ({
    txId: keccak256(body.signed),
    blockNumber: old.blockNumber,
    status: 'success',
    chainStatus: '0x0',
    output: '0x',
    events: [],
  }));
  client.lie('txEvidence', async () => copy(oldEvidence));
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, freshTrust(client), alice.index, transfer(bob, 4n)),
  );
  assert.match(refused.reason, /evidence is for transaction/);
});

test('4a. first use: a profile naming other sealers is refused by the header at sealersAt', async () => {
  client.lie('chainProfile', async (_body, honest) => {
    const profile = copy(await honest()) as FiscoChainProfile;
    profile.sealers = profile.sealers.map(() => sealerFromKey(bytesToHex(randomBytes(32))).nodeId);
    return profile;
  });
  const trust = freshTrust(client);
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, trust, alice.index, transfer(bob, 1n)),
  );
  assert.match(refused.reason, /does not list the profile's sealers/);
  assert.equal(await trust.anchors.get('payment.bcos'), undefined);
});

test('4b. first use: a profile with another genesis hash is refused', async () => {
  client.lie('chainProfile', async (_body, honest) => ({
    ...(copy(await honest()) as FiscoChainProfile),
    genesisHash: `0x${'ab'.repeat(32)}`,
  }));
  const trust = freshTrust(client);
  await assert.rejects(trust.anchor(PATH), EvidenceRefusedError);
  assert.equal(await trust.anchors.get('payment.bcos'), undefined);
});

test('4c. first use: two routers disagreeing on the anchor is refused; agreeing, both are recorded', async () => {
  client.truth();
  const honest = (await client.request({ op: 'chainProfile', path: PATH })) as FiscoChainProfile;
  const disagreeing = freshTrust(client, {
    secondOpinion: async () => ({
      router: 'other-zone-router',
      profile: { ...honest, chainId: honest.chainId + 1 },
    }),
  });
  const refused = await refusedAndUnmoved(
    submitFiscoWrite(client, vault, disagreeing, alice.index, transfer(bob, 1n)),
  );
  assert.match(refused.reason, /disagree/);
  assert.equal(await disagreeing.anchors.get('payment.bcos'), undefined);
  const agreeing = freshTrust(client, {
    secondOpinion: async () => ({ router: 'other-zone-router', profile: honest }),
  });
  const anchor = await agreeing.anchor(PATH);
  assert.deepEqual(anchor.source, { kind: 'routers', routers: [client.status.router, 'other-zone-router'] });
});

test('4d. anchored honestly, a header re-made for another sealer set (its list, hash and seals) is refused', async () => {
  const trust = freshTrust(client);
  await trust.anchor(PATH);
  rewriteEvidence((e) => {
    resealedByStrangers(e.header);
    pointAt(e, e.header.hash);
  });
  await refusedAndUnmoved(submitFiscoWrite(client, vault, trust, alice.index, transfer(bob, 1n)), 1n);
});

test('4e. anchored honestly, a forged sealer change (every header after the anchor re-made) is refused', async () => {
  const trust = freshTrust(client);
  const { profile } = await trust.anchor(PATH);
  const at = BigInt((profile as FiscoChainProfile).sealersAt);
  await h.node.sealNow(true);
  await h.node.sealNow(true);
  // Every header after the anchored one names strangers, is sealed by them and links to the
  // forged one before it: a chain of lies consistent with itself, whose first link the
  // anchored set never sealed.
  const forged = new Map<bigint, Promise<FiscoBlockHeaderJson | null>>();
  const forge = (number: bigint): Promise<FiscoBlockHeaderJson | null> => {
    let header = forged.get(number);
    if (!header) {
      header = (async () => {
        const honest = await h.client.getBlockHeaderByNumber(number);
        if (number <= at) return honest;
        const lie = copy(honest);
        if (number - 1n > at) lie.parentHash = ((await forge(number - 1n)) as FiscoBlockHeaderJson).hash;
        resealedByStrangers(lie);
        return lie;
      })();
      forged.set(number, header);
    }
    return header;
  };
  client.lie('blockHeader', (body) => forge(body.number));
  client.lie('txEvidence', async (_body, honest) => {
    const evidence = await honest();
    if (!evidence) return evidence;
    const lie = copy(evidence);
    lie.header = (await forge(BigInt(evidence.header.number))) as FiscoBlockHeaderJson;
    pointAt(lie, lie.header.hash);
    return lie;
  });
  await refusedAndUnmoved(submitFiscoWrite(client, vault, trust, alice.index, transfer(bob, 1n)), 1n);
  assert.deepEqual((await trust.anchors.get('payment.bcos'))?.profile, profile);
});

/** A TTM view of `path` for alice, over a fresh trust (no events known yet). */
function aliceChain(path: string): Promise<AssetChain> {
  return client
    .describe(path)
    .then((entry) =>
      assetChain({ client, vault, trust: freshTrust(client), entry, signer: { account: alice.index } }),
    );
}

/** A state read a lie stands behind: refused, or answered 'none' (the lie skipped), never more. */
async function notPrepared(read: Promise<{ state: string }>): Promise<void> {
  try {
    assert.equal((await read).state, 'none');
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof EvidenceRefusedError, String(error));
  }
}

const newId = (): Hex => `0x${bytesToHex(randomBytes(32))}`;

test('5. TTM state: hints naming unrelated or forged transactions, and fake call answers, are not used', async () => {
  client.truth();
  const deadline = Math.floor(Date.now() / 1000) + 600;
  const writer = await aliceChain(PATH);
  // A real prepare under another id, and a real HTLC lock under another id.
  const lock = newId();
  await writer.htlcLock(lock, {
    from: alice.address,
    to: bob,
    amount: '1',
    hashLock: newId(),
    timelock: deadline,
  });
  const lockTx = writer.lastWrite()?.txId as Hex;
  const other = newId();
  await writer.prepare(other, newId(), deadline, [{ from: alice.address, to: bob, amount: '1' }]);
  const otherPrepare = writer.lastWrite()?.txId as Hex;
  assert.equal((await writer.txState(other)).state, 'prepared', 'control');
  assert.equal((await (await aliceChain(PATH)).htlcState(lock, lockTx)).state, 'locked', 'control');
  const id = newId();
  const forgedTx = newId();
  const record = (txId: string): ResourceEventRecord => ({
    txId,
    data: '0x',
    blockNumber: 1n,
    address: asset,
    name: 'TxPrepared',
    args: { txId: id, hashLock: newId(), deadline: BigInt(deadline), to: [bob], amounts: [1n] },
  });

  // (a) Another id's prepare, named as this id's: its events are about the other id.
  client.lie('ttmEvents', async () => [record(otherPrepare)]);
  const viewA = await aliceChain(PATH);
  assert.equal((await viewA.txState(id)).state, 'none');
  assert.equal((await viewA.htlcState(id, otherPrepare)).state, 'none');
  assert.equal((await viewA.htlcState(id, lockTx)).state, 'none', "another HTLC's lock is not this one's");
  // Control: the named transaction was verified and counted, for the id it is about.
  assert.equal((await viewA.txState(other)).state, 'prepared');

  // (b) A forged transaction id, with a TxPrepared event in the hint: no receipt backs it.
  client.lie('ttmEvents', async () => [record(forgedTx)]);
  const viewB = await aliceChain(PATH);
  await notPrepared(viewB.txState(id));
  await notPrepared(viewB.htlcState(id, forgedTx));

  // (c) The other prepare's evidence, its event rewritten to name this id: the receipt no longer folds.
  client.lie('ttmEvents', async () => [record(otherPrepare)]);
  rewriteEvidence((e) => {
    for (const log of e.receipt.transactionReceipt.logs) {
      log.data = log.data.replace(other.slice(2), id.slice(2));
      log.topics = log.topics.map((t) => t.replace(other.slice(2), id.slice(2)));
    }
  });
  await notPrepared((await aliceChain(PATH)).txState(id));

  // (d) A `call` answering "prepared" is never asked: state comes from verified events only.
  client.truth();
  client.lie('call', async () => ({ values: [2n, BigInt(deadline), ZERO32] }) as never);
  const asked = client.asked.length;
  assert.equal((await (await aliceChain(PATH)).txState(id)).state, 'none');
  assert.ok(!client.asked.slice(asked).some((b) => b.op === 'call'));
  client.truth();
  // Alice's account is locked by the other prepare until it ends.
  await writer.abort(other);
});

test('5e. a forged hint does not hide the state the wallet verified itself (a router may hide, not veto)', async () => {
  client.truth();
  const writer = await aliceChain(PATH);
  const id = newId();
  const deadline = Math.floor(Date.now() / 1000) + 600;
  await writer.prepare(id, newId(), deadline, [{ from: alice.address, to: bob, amount: '1' }]);
  try {
    assert.equal((await writer.txState(id)).state, 'prepared', 'control');
    // One forged transaction id among the hints: no evidence exists for it.
    client.lie('ttmEvents', async (_body, honest) => [
      ...(await honest()),
      { txId: newId(), blockNumber: 1n, address: asset, name: 'TxAborted', args: { txId: id }, data: '0x' },
    ]);
    assert.equal((await writer.txState(id)).state, 'prepared');
  } finally {
    client.truth();
    await writer.abort(id);
  }
});

test('6. a cross-chain transaction whose second prepare the router drops and reports done ends aborted; nothing moves', async () => {
  client.truth();
  const chains = new Map([
    [PATH, await aliceChain(PATH)],
    [PATH2, await aliceChain(PATH2)],
  ]);
  // The router never relays a prepare on asset2, and answers it with a success receipt.
  let dropped = 0;
  client.lie('submit', async (body, honest) => {
    if (body.path !== PATH2 || !body.signed.includes(PREPARE)) return honest();
    dropped++;
    return {
      txId: keccak256(body.signed),
      blockNumber: 1n,
      status: 'success',
      chainStatus: '0x0',
      output: '0x',
      events: [],
    };
  });
  const sum = async () =>
    [await balance(alice.address), await balance(bob), await balance(asset)].reduce((a, b) => a + b);
  const before = {
    one: [await balance(alice.address), await balance(bob)],
    two: [await balance(alice.address, asset2), await balance(bob, asset2)],
    sum: await sum(),
  };
  const secret = `0x${bytesToHex(randomBytes(32))}` as Hex;
  const now = Math.floor(Date.now() / 1000);
  const record: TransactionRecord = {
    kind: 'transaction',
    id: newId(),
    origin: 'https://dapp.example',
    createdAt: Date.now(),
    updatedAt: Date.now(),
    hashLock: `0x${bytesToHex(sha256(Buffer.from(secret.slice(2), 'hex')))}`,
    signer: { account: alice.index },
    timeline: [],
    state: 'preparing',
    steps: [
      { path: PATH, chain: 'fisco-bcos', from: alice.address, to: bob, amount: '5' },
      { path: PATH2, chain: 'fisco-bcos', from: alice.address, to: bob, amount: '7' },
    ],
    legs: [
      { path: PATH, chain: 'fisco-bcos', steps: [0], deadline: now + COMMIT_MARGIN_S + 4, state: 'pending' },
      { path: PATH2, chain: 'fisco-bcos', steps: [1], deadline: now + COMMIT_MARGIN_S + 5, state: 'pending' },
    ],
  };
  let secretOpened = false;
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 200)));
  const context: DriveContext = {
    chain: async (path) => chains.get(path) as AssetChain,
    save: async () => {},
    openSecret: async () => {
      secretOpened = true;
      return secret;
    },
    sealSecret: async () => {},
    watch: () => ({ next: sleep, close() {} }),
    stopped: () => false,
    now: () => Date.now(),
    sleep,
  };
  try {
    await driveTransaction(record, context);
  } finally {
    client.truth();
  }
  assert.ok(dropped > 0);
  assert.equal(record.state, 'aborted');
  assert.equal(secretOpened, false, 'the secret never left the wallet');
  assert.ok(
    record.timeline.some((e) => e.event === `prepared on ${PATH}`),
    'the first leg really prepared',
  );
  assert.ok(!record.timeline.some((e) => e.event === `prepared on ${PATH2}`));
  assert.ok(
    record.timeline.some((e) => e.event === `aborted on ${PATH}`),
    'and was aborted',
  );
  assert.deepEqual([await balance(alice.address), await balance(bob)], before.one);
  assert.deepEqual([await balance(alice.address, asset2), await balance(bob, asset2)], before.two);
  assert.equal(await sum(), before.sum);
  assert.equal(await view(asset, 'lockedBy', [alice.address]), ZERO32);
  assert.equal(await view(asset2, 'lockedBy', [alice.address]), ZERO32);
});
