/**
 * A lying entry router in front of a real Fabric devpeer (Org1MSP and Org2MSP, each a peer;
 * the asset chaincode needs both): it reports a submit committed that it never relayed, rewrites
 * or replays the block a commit is proven with, and alters endorsed reads. Each lie must end in
 * an EvidenceRefusedError, and nothing false may be shown or used: the ledger says what happened.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type FabricWrite, submitFabricWrite } from '../../../background/signing/fabric-write.ts';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';
import { type AssetChain, assetChain } from '../../../background/ttm/asset-chain.ts';
import type { Hex } from '../../../background/ttm/types.ts';
import type { Vault } from '../../../background/vault/vault.ts';
import { assetMethods } from '../../../p2p/chains/fabric/chaincode/methods.ts';
import { FabricConnector } from '../../../p2p/chains/fabric/connector.ts';
import type { FabricSigningIdentity } from '../../../p2p/chains/fabric/identity.ts';
import {
  fromHex,
  signPreparedTransaction,
  signProposal,
  toHex,
} from '../../../p2p/chains/fabric/offline-signing.ts';
import { decodeFields, encodeFields, type ProtoFields } from '../../../p2p/chains/fabric/protobuf-wire.ts';
import type { IssuedIdentity } from '../../../p2p/devnet/fabric/test-ca.ts';
import { newVault, PASSWORD } from '../asset-chain/wallet.ts';
import { CHANNEL, startTestDevpeer, type TestDevpeer } from '../fabric/fixture.ts';
import { freshTrust, type Lie, type LyingClient, lyingRouterFor } from './lying-client.ts';

const PATH = 'trade.fab.asset';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

let dir: string;
let devpeer: TestDevpeer;
let connector: FabricConnector;
let client: LyingClient;
let closeRouter: () => Promise<void>;
let vault: Vault;
let minter: string;
let alice: string;

before(async () => {
  dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'weft-trust-'));
  devpeer = await startTestDevpeer({ maxBlockTxs: 1 }, dir);
  connector = new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'asset', chaincode: 'asset', methods: assetMethods }],
  });
  ({ client, close: closeRouter } = await lyingRouterFor('trade', connector));
  vault = await newVault();
  minter = await imported(devpeer.peer.identities.user1 as IssuedIdentity);
  await direct(minter, 'Initialize', []);
  alice = await imported(await devpeer.peer.issue('alice-1'));
  await direct(alice, 'OpenAccount', ['alice-1']);
  await direct(alice, 'OpenAccount', ['alice-2']);
  await direct(minter, 'Mint', ['alice-1', '1000']);
});

after(async () => {
  await closeRouter?.();
  await connector?.close();
  await devpeer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An identity of the devpeer's CA, imported into the vault as the popup does. */
async function imported(identity: IssuedIdentity): Promise<string> {
  const meta = await vault.importFabricIdentity(PASSWORD, {
    name: identity.name,
    mspId: identity.mspId,
    certificate: await readFile(join(identity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(identity.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });
  return meta.id;
}

/** A write straight to the peer, not through the router: the test's own business. */
async function direct(identity: string, fn: string, args: string[]): Promise<void> {
  const signer = vault.fabricSigningIdentity(identity);
  const proposal = signProposal(signer, { channel: CHANNEL, chaincode: 'asset', fn, args });
  const prepared = await connector.prepare({ resource: PATH, signed: proposal.signed });
  const { signed } = signPreparedTransaction(signer, prepared.unsigned, { txId: proposal.txId, fn });
  await connector.submit({ resource: PATH, signed });
}

const balance = async (account: string) =>
  BigInt(String((await connector.call({ resource: PATH, method: 'BalanceOf', args: [account] })).values[0]));
const balances = async () => [await balance('alice-1'), await balance('alice-2')];

const transfer = (amount: number): FabricWrite => ({
  path: PATH,
  channel: CHANNEL,
  chaincode: 'asset',
  fn: 'Transfer',
  args: ['alice-1', 'alice-2', String(amount)],
});

/** Protobuf fields written back in field order, every value kept (empty ones too). */
function encode(fields: ProtoFields): Uint8Array {
  return encodeFields(
    [...fields.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([field, values]) =>
        values.map((v) => [field, v, 'repeated'] as [number, typeof v, 'repeated']),
      ),
  );
}

/** `bytes` with the message at `path` (field numbers, first value of each) passed through `edit`. */
function editAt(bytes: Uint8Array, path: number[], edit: (fields: ProtoFields) => void): Uint8Array {
  const fields = decodeFields(bytes);
  const [head, ...rest] = path;
  if (head === undefined) edit(fields);
  else {
    const values = fields.get(head);
    assert.ok(values && values[0] instanceof Uint8Array, `field ${head} is a message`);
    values[0] = editAt(values[0], rest, edit);
  }
  return encode(fields);
}

/** Envelope.payload → Payload.data (Transaction) → actions[0] → ChaincodeActionPayload → ChaincodeEndorsedAction. */
const ENDORSED_ACTION = [1, 2, 1, 2, 2];
/** … → ProposalResponsePayload → ChaincodeAction → Response. */
const RESPONSE = [...ENDORSED_ACTION, 1, 2, 3];

/**
 * Between the wallet's endorsement and its submit, a conflicting transfer of 2 from the same
 * account commits, so the wallet's transaction is invalidated (MVCC_READ_CONFLICT) at commit;
 * the router relays it, and reports it committed all the same.
 */
function conflictThenReportValid(): void {
  client.lie('prepare', async (body, honest) => {
    const prepared = await honest();
    if (decoder.decode(fromHex(body.signed)).includes('Transfer')) {
      client.truth('prepare');
      await direct(alice, 'Transfer', ['alice-1', 'alice-2', '2']);
    }
    return prepared;
  });
  client.lie('submit', async (_body, honest) => {
    await assert.rejects(honest(), /MVCC_READ_CONFLICT/);
    return { txId: '', blockNumber: 0n, status: 'success', chainStatus: 'VALID', events: [] };
  });
}

/** A prepared (endorsed) envelope with all but its first endorsement removed. */
const oneEndorsement = (envelope: Hex): Hex =>
  toHex(editAt(fromHex(envelope), ENDORSED_ACTION, (f) => f.set(2, (f.get(2) ?? []).slice(0, 1)))) as Hex;

/** A prepared envelope whose response payload is rewritten after the peers endorsed it. */
const payloadRewritten = (envelope: Hex, rewrite: (payload: Uint8Array) => Uint8Array): Hex =>
  toHex(
    editAt(fromHex(envelope), RESPONSE, (f) => {
      const payload = f.get(3)?.[0];
      assert.ok(payload instanceof Uint8Array);
      f.set(3, [rewrite(payload)]);
    }),
  ) as Hex;

/**
 * Lies on the endorsed proposals that carry reads: `prepare` today, and `endorse`, the read-only
 * twin of `prepare` the wallet may ask instead (the lie covers whichever op the read travels by).
 */
function lieOnReads(lie: Lie<'prepare'>): void {
  client.lie('prepare', lie);
  client.lie('endorse' as 'prepare', lie);
}

async function aliceChain(): Promise<AssetChain> {
  const entry = await client.describe(PATH);
  const signer = { account: 0, fabricIdentity: alice };
  return assetChain({ client, vault, trust: freshTrust(client), entry, signer });
}

async function refusedAndUnmoved(pending: Promise<unknown>, moved = 0n): Promise<EvidenceRefusedError> {
  const [one, two] = await balances();
  let refused: unknown;
  await assert.rejects(pending, (error) => {
    refused = error;
    return error instanceof EvidenceRefusedError;
  });
  client.truth();
  assert.deepEqual(await balances(), [(one as bigint) - moved, (two as bigint) + moved]);
  return refused as EvidenceRefusedError;
}

test('control: an honest router; the commit verifies, and the envelope rewriter changes nothing by itself', async () => {
  client.truth();
  let identical = false;
  client.lie('blockByTxId', async (_body, honest) => {
    const answer = await honest();
    identical = toHex(editAt(fromHex(answer.envelope), ENDORSED_ACTION, () => {})) === answer.envelope;
    return answer;
  });
  const before = await balances();
  const receipt = await submitFabricWrite(client, vault, freshTrust(client), alice, transfer(1));
  client.truth();
  assert.equal(receipt.status, 'success');
  assert.match(
    receipt.verified.by,
    /endorsed by Org1MSP and Org2MSP, ordered by .*valid per Org1MSP and Org2MSP/,
  );
  assert.ok(identical);
  assert.deepEqual(await balances(), [(before[0] as bigint) - 1n, (before[1] as bigint) + 1n]);
});

test('7a. a submit reported committed but never relayed is refused: no peer-vouched block holds it', async () => {
  client.lie('submit', async () => ({
    txId: bytesToHex(randomBytes(32)),
    blockNumber: 3n,
    status: 'success',
    chainStatus: 'VALID',
    events: [],
  }));
  const refused = await refusedAndUnmoved(
    submitFabricWrite(client, vault, freshTrust(client), alice, transfer(5)),
  );
  assert.match(refused.reason, /no peer-vouched block holds/);
});

test('7b. the block answer with one organisation’s endorsement only is refused', async () => {
  client.lie('blockByTxId', async (_body, honest) => ({
    envelope: oneEndorsement((await honest()).envelope),
  }));
  const refused = await refusedAndUnmoved(
    submitFabricWrite(client, vault, freshTrust(client), alice, transfer(1)),
    1n,
  );
  assert.match(refused.reason, /vouches for the block/);
});

test('7c. an MVCC-invalidated transaction, its block rewritten to say VALID, is refused; nothing moves', async () => {
  conflictThenReportValid();
  let flipped = false;
  client.lie('blockByTxId', async (_body, honest) => {
    const { envelope } = await honest();
    // The block is the response payload; its metadata's TRANSACTIONS_FILTER (field 3 → metadata[2])
    // holds one code per transaction: the one transaction's code set to VALID (0).
    return {
      envelope: payloadRewritten(envelope, (block) =>
        editAt(block, [3], (metadata) => {
          const filter = metadata.get(1)?.[2];
          assert.ok(filter instanceof Uint8Array && filter.length === 1 && filter[0] !== 0);
          metadata.get(1)?.splice(2, 1, Uint8Array.of(0));
          flipped = true;
        }),
      ),
    };
  });
  // Only the conflicting transfer of 2 moved; the wallet's 7 never did.
  const refused = await refusedAndUnmoved(
    submitFabricWrite(client, vault, freshTrust(client), alice, transfer(7)),
    2n,
  );
  assert.ok(flipped, 'the router rewrote an invalid code');
  assert.match(refused.reason, /endorse|signature/i);
});

test('7c′. control: told honestly, the MVCC-invalidated transaction is refused as not VALID', async () => {
  conflictThenReportValid();
  const refused = await refusedAndUnmoved(
    submitFabricWrite(client, vault, freshTrust(client), alice, transfer(7)),
    2n,
  );
  assert.match(refused.reason, /MVCC_READ_CONFLICT/);
});

test("7d. another transaction's block, replayed for a submit never relayed, is refused", async () => {
  let old: { envelope: Hex } | undefined;
  client.lie('blockByTxId', async (_body, honest) => {
    old = await honest();
    return old;
  });
  await submitFabricWrite(client, vault, freshTrust(client), alice, transfer(1));
  assert.ok(old);
  const replayed = old;
  client.lie('submit', async () => ({
    txId: bytesToHex(randomBytes(32)),
    blockNumber: 3n,
    status: 'success',
    chainStatus: 'VALID',
    events: [],
  }));
  client.lie('blockByTxId', async () => replayed);
  await refusedAndUnmoved(submitFabricWrite(client, vault, freshTrust(client), alice, transfer(9)));
});

test('8. an endorsed read altered after endorsement (payload changed, one endorsement removed) is refused', async () => {
  client.truth();
  const writer = await aliceChain();
  const id = `0x${bytesToHex(randomBytes(32))}` as Hex;
  const deadline = Math.floor(Date.now() / 1000) + 600;
  await writer.prepare(id, `0x${bytesToHex(randomBytes(32))}`, deadline, [
    { from: 'alice-1', to: 'alice-2', amount: '3' },
  ]);
  assert.equal((await writer.txState(id)).state, 'prepared', 'control');

  // The router says the transaction committed, with a preimage, in the peers' endorsed answer.
  const isRead = (signed: string) => decoder.decode(fromHex(signed)).includes('TxState');
  let rewritten = 0;
  lieOnReads(async (body, honest) => {
    const prepared = await honest();
    if (!isRead(body.signed)) return prepared;
    rewritten++;
    return {
      ...prepared,
      unsigned: payloadRewritten(prepared.unsigned, (payload) =>
        encoder.encode(decoder.decode(payload).replace('"prepared"', '"committed"')),
      ),
    };
  });
  await assert.rejects((await aliceChain()).txState(id), EvidenceRefusedError);
  assert.equal(rewritten, 1);

  // One organisation's endorsement removed: the chaincode's policy wants both.
  lieOnReads(async (body, honest) => {
    const prepared = await honest();
    return isRead(body.signed) ? { ...prepared, unsigned: oneEndorsement(prepared.unsigned) } : prepared;
  });
  await assert.rejects((await aliceChain()).txState(id), (error) => {
    assert.ok(error instanceof EvidenceRefusedError);
    assert.match(error.reason, /do not satisfy/);
    return true;
  });
  client.truth();
  await writer.abort(id);
});
