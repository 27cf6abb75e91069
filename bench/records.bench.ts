/**
 * Private-record figures (issue 16, "Benchmarks"): what sealing a record in the wallet costs,
 * against the plaintext records of before, for a 10-field record (32-character values).
 *
 * 1. The crypto alone, as the service worker runs it (@noble + WebCrypto): sealRecord, the
 *    owner's opening (fieldKeys + openRecord), wrapping the keys for one grant, and a grantee's
 *    openGranted. Goal: sealing and opening <= 5 ms p50.
 * 2. A write end to end: the wallet's putRecord (sealed, keys wrapped for one active grant,
 *    signed with a real Vault's account / Fabric identity, receipt rebuilt from the chain's
 *    evidence by ChainTrust) against the same `put` / `PutRecord` with plaintext values and no
 *    key blobs, signed, relayed and verified the same way (submitFiscoWrite / submitFabricWrite).
 *    Goal: ratio <= 1.5 (encryption must not cost a block).
 * 3. The owner's read: readOwnRecord (read + open) against the plaintext record read the same
 *    way: FISCO BCOS a `get` call from the owner's address; Fabric an endorsed `GetRecord` with
 *    the owner's identity, checked by ChainTrust (GetRecord answers only its owner, so a router's
 *    plain `call` cannot read it). Goal: ratio <= 1.5. Also the sealed record read without
 *    opening it (readSealedRecord): what the larger values alone cost on the way.
 * 4. A granted read end to end: light client readGranted + openGranted, against a granted read
 *    of the plaintext record (the grantee's read before issue 16); also its readGranted alone.
 *
 * Both chains of the local network (FISCO BCOS devnode behind r1, Fabric devpeer behind r2),
 * default 1 s blocks; the kinds compared are interleaved, their order changed every round, so all
 * see the same machine noise. FISCO BCOS seals on a timer, so each write is sent half an
 * interval after the block that sealed the previous one (bench/verified-write.bench.ts).
 */
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { WalletEvents } from '../background/events.ts';
import { ensureAccountLink, whoAmI } from '../background/grants/fabric-link.ts';
import {
  putRecord,
  type RecordsOptions,
  readOwnRecord,
  readSealedRecord,
} from '../background/records/records.ts';
import { submitFabricWrite } from '../background/signing/fabric-write.ts';
import { submitFiscoWrite } from '../background/signing/fisco-write.ts';
import { AnchorStore } from '../background/trust/anchor-store.ts';
import { ChainTrust } from '../background/trust/chain-trust.ts';
import type { StorageAreaLike } from '../background/vault/storage-area.ts';
import { Vault } from '../background/vault/vault.ts';
import type { TransactionReceipt } from '../p2p/chains/connector.ts';
import { decodeChaincodeResult } from '../p2p/chains/fabric/chaincode-result.ts';
import { encodeCall } from '../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../p2p/chains/fisco-bcos/ecdsa.ts';
import { LightClient } from '../p2p/client/light-client.ts';
import type { IssuedIdentity } from '../p2p/devnet/fabric/test-ca.ts';
import { startLocalNetwork, waitForDirectory } from '../p2p/devnet/local-network.ts';
import {
  fieldKeys,
  openGranted,
  openRecord,
  recordsSecret,
  sealRecord,
  wrapKeys,
} from '../p2p/grants/record-crypto.ts';
import {
  type Grant,
  type GrantedRead,
  grantId,
  type Hex,
  readDigest,
  type SignedGrant,
  signDigest,
} from '../p2p/grants/typed-data.ts';
import { percentile, report } from './report.ts';

const BLOCK_MS = 1000;
const WRITES = 20;
const READS = 50;
const CRYPTO_RUNS = 300;
/** Rounds of each read left out of its figures: connections, JIT, the router's first grant check. */
const WARM = 5;
const PASSWORD = 'correct horse battery';
const SEALED = 'kyc';
const PLAIN = 'plain';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const now = () => Math.floor(Date.now() / 1000);
const random32 = () => crypto.getRandomValues(new Uint8Array(32));

/** The browser's storage areas, in memory: the vault and anchor store run unchanged on them. */
class MemoryArea implements StorageAreaLike {
  readonly #items = new Map<string, unknown>();
  async get(keys: string | string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      if (this.#items.has(key)) out[key] = structuredClone(this.#items.get(key));
    }
    return out;
  }
  async set(items: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(items)) this.#items.set(key, structuredClone(value));
  }
  async remove(keys: string | string[]): Promise<void> {
    for (const key of typeof keys === 'string' ? [keys] : keys) this.#items.delete(key);
  }
}

/** The wallet's client, noting when each relay's receipt came back (the block that held it). */
class TimedClient extends LightClient {
  lastReceiptAt = 0;
  override async submit(path: string, signed: Hex, timeoutMs?: number): Promise<TransactionReceipt> {
    const receipt = await super.submit(path, signed, timeoutMs);
    this.lastReceiptAt = performance.now();
    return receipt;
  }
}

/** A 10-field record, every value 32 characters, different for every `round`. */
function tenFields(round: number): Record<string, string> {
  const names = [
    'name',
    'surname',
    'birth',
    'country',
    'city',
    'street',
    'phone',
    'email',
    'passport',
    'score',
  ];
  return Object.fromEntries(names.map((n) => [n, `${n}:${round}:`.padEnd(32, 'x')]));
}

async function timed<T>(work: () => Promise<T>, into: number[]): Promise<T> {
  const start = performance.now();
  const out = await work();
  into.push(performance.now() - start);
  return out;
}

/**
 * The encrypted path against the plaintext one: both p50s and their ratio (against the goal
 * when there is one). The first `warm` samples of each are left out.
 */
function compare(
  what: string,
  encrypted: [string, number[]],
  plain: [string, number[]],
  goal?: number,
  warm = 0,
) {
  const e = percentile(encrypted[1].slice(warm), 50);
  const p = percentile(plain[1].slice(warm), 50);
  const n = encrypted[1].length - warm;
  report({ name: `records: ${what}, ${encrypted[0]} p50 (n=${n})`, value: e, unit: 'ms' });
  report({ name: `records: ${what}, ${plain[0]} p50`, value: p, unit: 'ms' });
  report({
    name: `records: ${what}, ${encrypted[0]} / ${plain[0]}`,
    value: e / p,
    unit: 'x',
    ...(goal === undefined ? {} : { budget: goal }),
  });
}

// 1. The crypto alone.
{
  const secret = recordsSecret(random32());
  const place = { resource: 'payment.bcos.records', record: SEALED };
  const audienceKey = random32();
  const audiencePublic = secp256k1.getPublicKey(audienceKey, true);
  const binding = { ...place, grantId: `0x${bytesToHex(random32())}` };
  const seal: number[] = [];
  const open: number[] = [];
  const wrap: number[] = [];
  const granted: number[] = [];
  for (let i = 0; i < CRYPTO_RUNS + 30; i++) {
    const fields = tenFields(i);
    const { sealed, keys } = await timed(() => sealRecord(secret, place, fields), seal);
    const opened = await timed(async () => openRecord(fieldKeys(secret, place, sealed), place, sealed), open);
    const key = await timed(() => wrapKeys(audiencePublic, binding, keys), wrap);
    const read = await timed(() => openGranted(audienceKey, { ...binding, fields: sealed, key }), granted);
    deepStrictEqual(opened, fields);
    deepStrictEqual(read, fields);
  }
  // The first rounds warm the JIT and WebCrypto up.
  const p50 = (samples: number[]) => percentile(samples.slice(30), 50);
  report({ name: 'records: seal 10 fields (sealRecord) p50', value: p50(seal), unit: 'ms', budget: 5 });
  report({
    name: 'records: open 10 fields (fieldKeys+openRecord) p50',
    value: p50(open),
    unit: 'ms',
    budget: 5,
  });
  report({ name: 'records: wrap 10 keys for a grant (wrapKeys) p50', value: p50(wrap), unit: 'ms' });
  report({
    name: 'records: open granted 10 fields (openGranted) p50',
    value: p50(granted),
    unit: 'ms',
  });
}

// 2-4 on the local network.
const dir = await mkdtemp(join(tmpdir(), 'weft-bench-records-'));
const net = await startLocalNetwork({ dataDir: join(dir, 'net'), blockIntervalMs: BLOCK_MS });
const clients: TimedClient[] = [];
try {
  await waitForDirectory(
    net.routers.map((r) => r.router),
    5,
  );
  const vault = new Vault({
    local: new MemoryArea(),
    session: new MemoryArea(),
    // A low KDF cost: unlocking is not what is measured.
    iterations: 1_000,
    events: new WalletEvents(),
  });
  await vault.create(PASSWORD);
  const [first] = await vault.accounts();
  if (!first) throw new Error('the vault has no account');
  const owner = first;
  const user1 = net.fabric.peer.identities.user1 as IssuedIdentity;
  const { id: fabricIdentity } = await vault.importFabricIdentity(PASSWORD, {
    name: 'user1',
    mspId: user1.mspId,
    certificate: await readFile(join(user1.mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    privateKeyPem: await readFile(join(user1.mspDir, 'keystore', 'key.pem'), 'utf8'),
  });

  await chainFigures('FISCO', 'payment.bcos.records', 0);
  await chainFigures('Fabric', 'trade.fab.records', 1);

  /** Figures 2-4 on one chain, through the router that fronts it (as a wallet entering there). */
  async function chainFigures(label: string, path: string, router: number) {
    const client = new TimedClient({ routers: [net.routers[router]?.wsAddress as string] });
    clients.push(client);
    await client.connect();
    const trust = new ChainTrust({
      anchors: new AnchorStore(new MemoryArea(), new WalletEvents()),
      client: () => client,
    });
    const entry = await client.describe(path);
    const fabric = entry.chain.type === 'fabric';
    const options: RecordsOptions = {
      client,
      vault,
      trust,
      entry,
      signer: { account: owner.index, fabricIdentity },
    };
    if (fabric) {
      // Fabric records belong to the identity; the account's grants cover them once linked.
      await ensureAccountLink({
        client,
        vault,
        trust,
        resource: entry,
        identityId: fabricIdentity,
        account: owner,
      });
    }

    // One grant of the whole record (both ids) to a site whose key the bench holds.
    const audienceKey = random32();
    const key = vault.privateKey(owner.index);
    const grant: Grant = {
      issuer: owner.address,
      audienceOrigin: 'https://clinic.example',
      audienceKey: new EcdsaSigner(audienceKey).address,
      resource: path,
      records: [SEALED, PLAIN],
      fields: [],
      actions: ['read'],
      notBefore: now() - 60,
      expiry: now() + 3600,
      nonce: `0x${bytesToHex(random32())}`,
    };
    const id = grantId(grant);
    const signed: SignedGrant = { grant, signature: signDigest(id, key) };
    key.fill(0);
    const audiences = [
      {
        grantId: id,
        origin: grant.audienceOrigin,
        audiencePublicKey: `0x${bytesToHex(secp256k1.getPublicKey(audienceKey, true))}` as Hex,
        fields: [],
      },
    ];
    const prove = (record: string) => {
      const read: GrantedRead = { grant: id, record, nonce: `0x${bytesToHex(random32())}`, issuedAt: now() };
      return { read, signature: signDigest(readDigest(read), audienceKey) };
    };

    let round = 0;
    let written: Record<string, string> = {};
    const encryptedWrite = async () => {
      const fields = tenFields(round++);
      const receipt = await putRecord(options, { record: SEALED, fields, audiences });
      strictEqual(receipt.status, 'success');
      written = fields;
    };
    const plainWrite = async () => {
      const fields = tenFields(round++);
      const receipt = fabric
        ? await submitFabricWrite(client, vault, trust, fabricIdentity, {
            path,
            channel: entry.chain.type === 'fabric' ? entry.chain.channel : '',
            chaincode: entry.address,
            fn: 'PutRecord',
            args: [PLAIN, JSON.stringify(fields), '{}'],
          })
        : await submitFiscoWrite(client, vault, trust, owner.index, {
            path,
            to: entry.address,
            data: encodeCall(entry.abi as never, 'put', [
              PLAIN,
              Object.keys(fields),
              Object.values(fields),
              [],
              [],
            ]),
            abi: entry.abi,
          });
      strictEqual(receipt.status, 'success');
      return fields;
    };

    // One of each first: anchors taken on first use, connections warm.
    await encryptedWrite();
    let plainFields = await plainWrite();
    const writes = { encrypted: [] as number[], plain: [] as number[] };
    for (let i = 0; i < WRITES; i++) {
      for (const encrypted of i % 2 === 0 ? [true, false] : [false, true]) {
        if (!fabric) await sleep(client.lastReceiptAt + BLOCK_MS / 2 - performance.now());
        if (encrypted) await timed(encryptedWrite, writes.encrypted);
        else plainFields = await timed(plainWrite, writes.plain);
      }
    }
    compare(`${label} write`, ['sealed', writes.encrypted], ['plain', writes.plain], 1.5);

    // The plaintext read the wallet would do: the same call (FISCO) or endorsed, checked read (Fabric).
    const ownFabricId = fabric
      ? (await whoAmI({ client, vault, trust, resource: entry, identityId: fabricIdentity, account: owner }))
          .id
      : '';
    const plainRead = async (): Promise<Record<string, string>> => {
      if (!fabric) {
        const result = await client.call({ path, method: 'get', args: [PLAIN], from: owner.address });
        const [names, values] = result.values as [string[], string[]];
        return Object.fromEntries(names.map((name, i) => [name, values[i] as string]));
      }
      const signer = vault.fabricSigningIdentity(fabricIdentity);
      try {
        const { read } = await trust.fabricRead(path, signer, {
          chaincode: entry.address,
          fn: 'GetRecord',
          args: [ownFabricId, PLAIN],
        });
        // The stored record as JSON, its data a JSON object in a string.
        const stored = decodeChaincodeResult(read.payload) as { data: string };
        return JSON.parse(stored.data) as Record<string, string>;
      } finally {
        signer.privateKey.fill(0);
      }
    };
    // Also the sealed record read without opening it: what its larger values cost on the way.
    const reads = { encrypted: [] as number[], plain: [] as number[], unopened: [] as number[] };
    const readers = [
      async () => {
        const own = await timed(() => readOwnRecord(options, SEALED), reads.encrypted);
        deepStrictEqual(own.fields, written);
      },
      async () => deepStrictEqual(await timed(plainRead, reads.plain), plainFields),
      async () => {
        const sealed = await timed(() => readSealedRecord(options, SEALED), reads.unopened);
        deepStrictEqual(Object.keys(sealed ?? {}), Object.keys(written));
      },
    ];
    for (let i = 0; i < READS + WARM; i++) {
      // Every order in turn, so no kind always follows the same one.
      for (let k = 0; k < readers.length; k++) await readers[(i + k) % readers.length]?.();
    }
    compare(`${label} own read`, ['sealed+open', reads.encrypted], ['plain', reads.plain], 1.5, WARM);
    report({
      name: `records: ${label} own read, sealed, unopened p50`,
      value: percentile(reads.unopened.slice(WARM), 50),
      unit: 'ms',
    });

    // 4. The grantee's read, end to end: through the router (which checks the grant), opened.
    const granted = { encrypted: [] as number[], plain: [] as number[], unopened: [] as number[] };
    for (let i = 0; i < READS + WARM; i++) {
      for (const encrypted of i % 2 === 0 ? [true, false] : [false, true]) {
        if (encrypted) {
          const proof = prove(SEALED);
          const opened = await timed(async () => {
            const answer = await timed(() => client.readGranted(path, signed, proof), granted.unopened);
            strictEqual(answer.key.startsWith('weft-key1:'), true);
            return openGranted(audienceKey, { grantId: id, resource: path, ...answer });
          }, granted.encrypted);
          deepStrictEqual(opened, written);
        } else {
          const proof = prove(PLAIN);
          const answer = await timed(() => client.readGranted(path, signed, proof), granted.plain);
          deepStrictEqual(answer.fields, plainFields);
        }
      }
    }
    compare(
      `${label} granted read`,
      ['sealed+open', granted.encrypted],
      ['plain', granted.plain],
      undefined,
      WARM,
    );
    report({
      name: `records: ${label} granted read, sealed, unopened p50`,
      value: percentile(granted.unopened.slice(WARM), 50),
      unit: 'ms',
    });
  }
} finally {
  for (const client of clients) await client.stop();
  await net.stop();
  await rm(dir, { recursive: true, force: true });
}
