/**
 * Failover against a real Fabric devpeer (Org1MSP and Org2MSP; the asset chaincode needs both):
 * the wallet's router pool over two real routers in front of it, A (the entry router) lying as a
 * test says. Lies already tested alone (fabric-lying-router.test.ts) now complete through B:
 * a submit reported committed but never relayed (the same signed envelope is relayed through B,
 * committed once), and an endorsed read altered after endorsement (the same signed proposal is
 * endorsed through B, and its true answer used). And a two-path send: the same envelope through
 * both routers commits once, and the other path's DUPLICATE_TXID is not a failure.
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
import { assetChain } from '../../../background/ttm/asset-chain.ts';
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
import type { RouterPool } from '../../../p2p/client/router-pool.ts';
import type { IssuedIdentity } from '../../../p2p/devnet/fabric/test-ca.ts';
import { HipError, HipErrorCode } from '../../../p2p/protocol/errors.ts';
import { newVault, PASSWORD } from '../asset-chain/wallet.ts';
import { CHANNEL, startTestDevpeer, type TestDevpeer } from '../fabric/fixture.ts';
import { freshTrust } from './lying-client.ts';
import { Liars, lyingPool, startRouters, type TestRouter } from './lying-routers.ts';

const PATH = 'trade.fab.asset';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

let dir: string;
let devpeer: TestDevpeer;
/** The test's own connector, for writes and balances straight at the peer. */
let connector: FabricConnector;
let A: TestRouter;
let B: TestRouter;
let closeRouters: () => Promise<void>;
let vault: Vault;
let minter: string;
let alice: string;

const connect = () =>
  new FabricConnector({
    endpoint: devpeer.peer.address,
    channel: CHANNEL,
    zone: 'trade',
    chainName: 'fab',
    routerIdentity: devpeer.peer.identities.router1 as FabricSigningIdentity,
    resources: [{ name: 'asset', chaincode: 'asset', methods: assetMethods }],
  });

before(async () => {
  dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'weft-failover-'));
  devpeer = await startTestDevpeer({ maxBlockTxs: 1 }, dir);
  connector = connect();
  let routers: TestRouter[];
  ({ routers, close: closeRouters } = await startRouters('trade', connect, 2));
  [A, B] = routers as [TestRouter, TestRouter];
  vault = await newVault();
  minter = await imported(devpeer.peer.identities.user1 as IssuedIdentity);
  await direct(minter, 'Initialize', []);
  alice = await imported(await devpeer.peer.issue('alice-1'));
  await direct(alice, 'OpenAccount', ['alice-1']);
  await direct(alice, 'OpenAccount', ['alice-2']);
  await direct(minter, 'Mint', ['alice-1', '1000']);
});

after(async () => {
  await closeRouters?.();
  await connector?.close();
  await devpeer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function imported(identity: IssuedIdentity): Promise<string> {
  const meta = await vault.importFabricIdentity(PASSWORD, {
    name: identity.name,
    mspId: identity.mspId,
    certificate: await readFile(join(identity.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(identity.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });
  return meta.id;
}

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

function walletPool(t: { after(fn: () => Promise<void>): void }, liars: Liars): RouterPool {
  const pool = lyingPool([A, B], liars);
  t.after(() => pool.stop());
  return pool;
}

function encode(fields: ProtoFields): Uint8Array {
  return encodeFields(
    [...fields.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([field, values]) =>
        values.map((v) => [field, v, 'repeated'] as [number, typeof v, 'repeated']),
      ),
  );
}

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

/** Envelope.payload → … → ChaincodeAction → Response (see fabric-lying-router.test.ts). */
const RESPONSE = [1, 2, 1, 2, 2, 1, 2, 3];

const payloadRewritten = (envelope: Hex, rewrite: (payload: Uint8Array) => Uint8Array): Hex =>
  toHex(
    editAt(fromHex(envelope), RESPONSE, (f) => {
      const payload = f.get(3)?.[0];
      assert.ok(payload instanceof Uint8Array);
      f.set(3, [rewrite(payload)]);
    }),
  ) as Hex;

test('lie 7a fails over: a submit reported committed but never relayed; the same envelope commits through B, once', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  let lied = 0;
  liars.lie(A, 'submit', async () => {
    lied++;
    return {
      txId: bytesToHex(randomBytes(32)),
      blockNumber: 3n,
      status: 'success',
      chainStatus: 'VALID',
      events: [],
    };
  });
  const [one, two] = await balances();
  const receipt = await submitFabricWrite(pool, vault, freshTrust(pool), alice, transfer(5));
  assert.equal(receipt.status, 'success');
  assert.match(
    receipt.verified.by,
    /endorsed by Org1MSP and Org2MSP, ordered by .*valid per Org1MSP and Org2MSP/,
  );
  assert.equal(lied, 1);
  assert.ok(liars.opsOf(B).includes('submit'));
  assert.deepEqual(await balances(), [(one as bigint) - 5n, (two as bigint) + 5n]);
  assert.equal(pool.health.demotion(A.id)?.kind, 'lie');
  assert.match(pool.health.demotion(A.id)?.reason ?? '', /no peer-vouched block holds/);
});

test('lie 8 fails over: an endorsed read altered after endorsement is refused, and the same proposal endorsed through B gives the truth', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  const entry = await pool.describe(PATH);
  const writer = assetChain({
    client: pool,
    vault,
    trust: freshTrust(pool),
    entry,
    signer: { account: 0, fabricIdentity: alice },
  });
  const id = `0x${bytesToHex(randomBytes(32))}` as Hex;
  await writer.prepare(id, `0x${bytesToHex(randomBytes(32))}`, Math.floor(Date.now() / 1000) + 600, [
    { from: 'alice-1', to: 'alice-2', amount: '3' },
  ]);
  // A says the transaction committed, in the peers' endorsed answer.
  let rewritten = 0;
  liars.lie(A, 'endorse', async (body, honest) => {
    const prepared = await honest();
    if (!decoder.decode(fromHex(body.signed)).includes('TxState')) return prepared;
    rewritten++;
    return {
      ...prepared,
      unsigned: payloadRewritten(prepared.unsigned as Hex, (payload) =>
        encoder.encode(decoder.decode(payload).replace('"prepared"', '"committed"')),
      ),
    };
  });
  const reader = assetChain({
    client: pool,
    vault,
    trust: freshTrust(pool),
    entry,
    signer: { account: 0, fabricIdentity: alice },
  });
  const state = await reader.txState(id);
  assert.equal(rewritten, 1);
  assert.equal(state.state, 'prepared');
  assert.match(state.verified ?? '', /endorsed by Org1MSP and Org2MSP/);
  assert.ok(liars.opsOf(B).includes('endorse'));
  assert.equal(pool.health.demotion(A.id)?.kind, 'lie');
  liars.truth();
  await writer.abort(id);
});

test('two paths: the same signed envelope through both routers commits once; a DUPLICATE_TXID on the other path is not a failure', async (t) => {
  const liars = new Liars();
  const pool = walletPool(t, liars);
  // A relays first and commits, then forges the block it is asked for: only B's path can verify.
  let committedViaA!: () => void;
  const aCommitted = new Promise<void>((resolve) => {
    committedViaA = resolve;
  });
  liars.lie(A, 'submit', async (_body, honest) => {
    const receipt = await honest();
    committedViaA();
    return receipt;
  });
  liars.lie(A, 'blockByTxId', async () => ({ envelope: '0x0a00' }));
  // B relays the same envelope after A's copy committed, and answers what Fabric says of a
  // second copy of a transaction (the devpeer answers its status by tx id; a gateway may not).
  let duplicates = 0;
  liars.lie(B, 'submit', async (body, honest) => {
    await aCommitted;
    await honest();
    duplicates++;
    throw new HipError(
      HipErrorCode.chainReverted,
      `transaction ${body.path} failed to commit (DUPLICATE_TXID)`,
      {
        chainCode: 'DUPLICATE_TXID',
      },
    );
  });
  const [one, two] = await balances();
  const receipt = await submitFabricWrite(pool, vault, freshTrust(pool), alice, transfer(4), { paths: 2 });
  assert.equal(receipt.status, 'success');
  assert.equal(receipt.chainStatus, 'VALID');
  assert.equal(duplicates, 1, 'the envelope went through B too, and B answered DUPLICATE_TXID');
  assert.ok(liars.opsOf(B).includes('blockByTxId'), 'which sent the wallet to the evidence through B');
  assert.deepEqual(await balances(), [(one as bigint) - 4n, (two as bigint) + 4n], 'moved once');
  assert.deepEqual(
    pool.health.list().map((d) => [d.router, d.kind]),
    [[A.id, 'lie']],
    'the forger is demoted; the duplicate demotes nobody',
  );
});
