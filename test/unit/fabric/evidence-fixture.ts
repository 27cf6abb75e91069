/**
 * Builds Fabric evidence for the verifier's tests: test CAs made here (one per
 * organisation, NodeOUs on), a channel config block, orderer-signed blocks and endorser
 * transactions in Fabric's formats, with switches to make each part lie.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import * as x509 from '@peculiar/x509';
import type { FabricBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { blockDataHash, blockHeaderBytes, blockHeaderHash } from '../../../p2p/chains/fabric/block-hash.ts';
import {
  decodeChannelHeader,
  encodeHeader,
  encodeSerializedIdentity,
} from '../../../p2p/chains/fabric/header-codec.ts';
import { bytesField, decodeFields, encodeFields } from '../../../p2p/chains/fabric/protobuf-wire.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type Role = 'client' | 'peer' | 'admin' | 'orderer';

export interface TestIdentity {
  mspId: string;
  certificate: string;
  privateKey: Uint8Array;
  /** msp.SerializedIdentity bytes. */
  serialized: Uint8Array;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

async function newKeys(): Promise<{ keys: CryptoKeyPair; scalar: Uint8Array }> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await webcrypto.subtle.exportKey('jwk', keys.privateKey);
  return { keys, scalar: new Uint8Array(Buffer.from(jwk.d as string, 'base64url')) };
}

function identity(mspId: string, certificate: string, privateKey: Uint8Array): TestIdentity {
  return { mspId, certificate, privateKey, serialized: encodeSerializedIdentity({ mspId, certificate }) };
}

export class FixtureCa {
  readonly mspId: string;
  readonly certificate: string;
  readonly #cert: x509.X509Certificate;
  readonly #key: CryptoKey;
  readonly #scalar: Uint8Array;

  private constructor(mspId: string, cert: x509.X509Certificate, key: CryptoKey, scalar: Uint8Array) {
    this.mspId = mspId;
    this.#cert = cert;
    this.certificate = `${cert.toString('pem')}\n`;
    this.#key = key;
    this.#scalar = scalar;
  }

  static async create(mspId: string): Promise<FixtureCa> {
    const { keys, scalar } = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=ca.${mspId}, O=${mspId}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm,
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    return new FixtureCa(mspId, cert, keys.privateKey, scalar);
  }

  /** The CA's own certificate and key, used (wrongly) as a signing identity. */
  asIdentity(): TestIdentity {
    return identity(this.mspId, this.certificate, this.#scalar);
  }

  /** An identity with the NodeOU of its role (several roles make an identity Fabric refuses). */
  async issue(name: string, role: Role | Role[]): Promise<TestIdentity> {
    const { keys, scalar } = await newKeys();
    const ous = [role]
      .flat()
      .map((r) => `OU=${r}`)
      .join(', ');
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${name}, ${ous}, O=${this.mspId}`,
      issuer: this.#cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
    return identity(this.mspId, `${cert.toString('pem')}\n`, scalar);
  }
}

/** ECDSA P-256 over SHA-256, DER, low-S: what Fabric signers produce. */
export function sign(signer: TestIdentity, message: Uint8Array): Uint8Array {
  return p256.sign(sha256(message), signer.privateKey, { prehash: false, lowS: true, format: 'der' });
}

const ORDER = p256.Point.CURVE().n;

/** The same signature with s replaced by n - s: mathematically valid, refused by Fabric. */
export function toHighS(der: Uint8Array): Uint8Array {
  const signature = p256.Signature.fromBytes(der, 'der');
  return new p256.Signature(signature.r, ORDER - signature.s).toBytes('der');
}

export function flipLastByte(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[out.length - 5] = (out[out.length - 5] as number) ^ 1;
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

// --- channel config ---------------------------------------------------------------

type Fields = Parameters<typeof encodeFields>[0];

function group(input: {
  groups?: Record<string, Uint8Array>;
  values?: Record<string, Uint8Array>;
  policies?: Record<string, Uint8Array>;
}): Uint8Array {
  const fields: Fields = [];
  for (const [field, map, wrap] of [
    [2, input.groups ?? {}, (v: Uint8Array) => v],
    [3, input.values ?? {}, (v: Uint8Array) => encodeFields([[2, v]])],
    [4, input.policies ?? {}, (v: Uint8Array) => encodeFields([[2, v]])],
  ] as const) {
    for (const [key, value] of Object.entries(map)) {
      fields.push([
        field,
        encodeFields([
          [1, key],
          [2, wrap(value)],
        ]),
        'repeated',
      ]);
    }
  }
  return encodeFields(fields);
}

const ROLE_NUMBER: Record<Role | 'member', number> = { member: 0, admin: 1, client: 2, peer: 3, orderer: 4 };

/** A signature policy: `n` out of the given MSP roles. */
export function signaturePolicy(n: number, principals: Array<[string, Role | 'member']>): Uint8Array {
  const rules = principals.map((_, index) => encodeFields([[1, index, 'repeated']]));
  const rule = encodeFields([
    [
      2,
      encodeFields([
        [1, n, 'repeated'],
        ...rules.map((r) => [2, r, 'repeated'] as [number, Uint8Array, 'repeated']),
      ]),
    ],
  ]);
  const identities = principals.map(([mspId, role]) =>
    encodeFields([
      [1, 0],
      [
        2,
        encodeFields([
          [1, mspId],
          [2, ROLE_NUMBER[role]],
        ]),
      ],
    ]),
  );
  const envelope = encodeFields([
    [2, rule],
    ...identities.map((id) => [3, id, 'repeated'] as [number, Uint8Array, 'repeated']),
  ]);
  return encodeFields([
    [1, 1],
    [2, envelope],
  ]);
}

export function implicitMeta(subPolicy: string, rule: 'ANY' | 'ALL' | 'MAJORITY'): Uint8Array {
  return encodeFields([
    [1, 3],
    [
      2,
      encodeFields([
        [1, subPolicy],
        [2, { ANY: 0, ALL: 1, MAJORITY: 2 }[rule]],
      ]),
    ],
  ]);
}

/** Variations of the channel config, for the config reader's tests. */
export interface ConfigVariation {
  consensus?: string;
  hashing?: string;
  blockValidation?: Uint8Array | null;
  /** MSP ids whose MSP restricts members to this OU (organizational_unit_identifiers). */
  memberOU?: { mspId: string; ou: string };
  /** NodeOUs off for every MSP. */
  noNodeOUs?: boolean;
}

function mspValue(ca: FixtureCa, variation: ConfigVariation): Uint8Array {
  const ou = (name: string) => encodeFields([[2, name]]);
  const memberOU = variation.memberOU?.mspId === ca.mspId ? variation.memberOU.ou : undefined;
  const nodeOUs = encodeFields([
    [1, 1],
    [2, ou('client')],
    [3, ou('peer')],
    [4, ou('admin')],
    [5, ou('orderer')],
  ]);
  return encodeFields([
    [
      2,
      encodeFields([
        [1, ca.mspId],
        [2, ca.certificate],
        [7, memberOU ? encodeFields([[2, memberOU]]) : undefined],
        [11, variation.noNodeOUs ? undefined : nodeOUs],
      ]),
    ],
  ]);
}

export const CHANNEL = 'weftchannel';

export function channelHeader(type: number, channel: string, txId = ''): Uint8Array {
  return encodeFields([
    [1, type],
    [4, channel],
    [5, txId],
  ]);
}

/** A CONFIG envelope holding the whole channel config; signed by `signer` when given. */
export function configEnvelope(
  orderer: FixtureCa,
  organisations: FixtureCa[],
  signer?: TestIdentity,
  sequence = 1,
  variation: ConfigVariation = {},
): Uint8Array {
  const orgPolicies = (ca: FixtureCa) => ({
    Writers: signaturePolicy(1, [[ca.mspId, 'member']]),
    Endorsement: signaturePolicy(1, [[ca.mspId, 'peer']]),
  });
  const channelGroup = group({
    values: {
      HashingAlgorithm: encodeFields([[1, variation.hashing ?? 'SHA256']]),
      BlockDataHashingStructure: encodeFields([[1, 0xffffffff]]),
    },
    groups: {
      Orderer: group({
        values: { ConsensusType: encodeFields([[1, variation.consensus ?? 'etcdraft']]) },
        policies: {
          ...(variation.blockValidation === null
            ? {}
            : { BlockValidation: variation.blockValidation ?? implicitMeta('Writers', 'ANY') }),
          Writers: implicitMeta('Writers', 'ANY'),
        },
        groups: {
          OrdererOrg: group({
            values: { MSP: mspValue(orderer, variation) },
            policies: orgPolicies(orderer),
          }),
        },
      }),
      Application: group({
        policies: {
          Endorsement: implicitMeta('Endorsement', 'MAJORITY'),
          LifecycleEndorsement: implicitMeta('Endorsement', 'MAJORITY'),
        },
        groups: Object.fromEntries(
          organisations.map((ca) => [
            ca.mspId,
            group({ values: { MSP: mspValue(ca, variation) }, policies: orgPolicies(ca) }),
          ]),
        ),
      }),
    },
  });
  const signatureHeader = signer
    ? encodeFields([
        [1, signer.serialized],
        [2, new Uint8Array(8).fill(7)],
      ])
    : new Uint8Array(0);
  const payload = encodeFields([
    [
      1,
      encodeFields([
        [1, channelHeader(1, CHANNEL)],
        [2, signatureHeader],
      ]),
    ],
    [
      2,
      encodeFields([
        [
          1,
          encodeFields([
            [1, sequence],
            [2, channelGroup],
          ]),
        ],
      ]),
    ],
  ]);
  return encodeFields([
    [1, payload],
    [2, signer ? sign(signer, payload) : undefined],
  ]);
}

// --- transactions -------------------------------------------------------------------

export interface TransactionInput {
  creator: TestIdentity;
  endorsers: TestIdentity[];
  chaincode?: string;
  /** Lies, one switch each. */
  flipCreatorSignature?: boolean;
  highSCreatorSignature?: boolean;
  flipEndorsementSignature?: number;
  wrongProposalHash?: boolean;
  flipPayloadAfterSigning?: boolean;
  /** A tx id other than hash(nonce ‖ creator). */
  txId?: string;
  channel?: string;
  /** What the read-write set writes: a public key (default), and/or an organisation's implicit collection. */
  publicWrite?: boolean;
  implicitCollectionOf?: string;
}

let nonceCounter = 0;

export function endorserTransaction(input: TransactionInput): Uint8Array {
  const chaincode = input.chaincode ?? 'asset';
  const nonce = sha256(new TextEncoder().encode(`nonce ${nonceCounter++}`)).subarray(0, 24);
  let { header } = encodeHeader({
    channel: CHANNEL,
    chaincode,
    creator: { mspId: input.creator.mspId, certificate: input.creator.certificate },
    nonce,
    timestamp: 1_700_000_000_000,
  });
  const headerFields = decodeFields(header);
  let channelHeaderBytes = bytesField(headerFields, 1);
  const signatureHeaderBytes = bytesField(headerFields, 2);
  if (input.txId !== undefined || input.channel !== undefined) {
    const original = decodeChannelHeader(channelHeaderBytes);
    channelHeaderBytes = encodeFields([
      [1, original.type],
      [4, input.channel ?? original.channel],
      [5, input.txId ?? original.txId],
      [7, encodeFields([[2, encodeFields([[2, chaincode]])]])],
    ]);
    header = encodeFields([
      [1, channelHeaderBytes],
      [2, signatureHeaderBytes],
    ]);
  }
  const invocation = encodeFields([[1, encodeFields([[2, encodeFields([[2, chaincode]])]])]]);
  const proposalPayload = encodeFields([[1, invocation]]);
  let proposalHash = sha256(concat(channelHeaderBytes, signatureHeaderBytes, proposalPayload));
  if (input.wrongProposalHash) proposalHash = sha256(proposalHash);
  const publicWrites =
    input.publicWrite === false
      ? new Uint8Array(0)
      : encodeFields([
          [
            3,
            encodeFields([
              [1, 'key'],
              [3, 'value'],
            ]),
            'repeated',
          ],
        ]);
  // CollectionHashedReadWriteSet { collection_name, hashed_rwset: HashedRWSet { hashed_writes: { key_hash, value_hash } } }
  const collection = input.implicitCollectionOf
    ? encodeFields([
        [1, `_implicit_org_${input.implicitCollectionOf}`],
        [
          2,
          encodeFields([
            [
              2,
              encodeFields([
                [1, sha256(new TextEncoder().encode('key'))],
                [3, sha256(new Uint8Array(1))],
              ]),
              'repeated',
            ],
          ]),
        ],
      ])
    : undefined;
  const writes = encodeFields([
    [
      2,
      encodeFields([
        [1, chaincode],
        [2, publicWrites],
        [3, collection],
      ]),
      'repeated',
    ],
  ]);
  const chaincodeAction = encodeFields([
    [1, writes],
    [3, encodeFields([[1, 200]])],
    [4, encodeFields([[2, chaincode]])],
  ]);
  const responsePayload = encodeFields([
    [1, proposalHash],
    [2, chaincodeAction],
  ]);
  const endorsements = input.endorsers.map((endorser, index) => {
    let signature = sign(endorser, concat(responsePayload, endorser.serialized));
    if (input.flipEndorsementSignature === index) signature = flipLastByte(signature);
    return encodeFields([
      [1, endorser.serialized],
      [2, signature],
    ]);
  });
  const endorsedAction = encodeFields([
    [1, responsePayload],
    ...endorsements.map((e) => [2, e, 'repeated'] as [number, Uint8Array, 'repeated']),
  ]);
  const actionPayload = encodeFields([
    [1, proposalPayload],
    [2, endorsedAction],
  ]);
  const transaction = encodeFields([
    [
      1,
      encodeFields([
        [1, signatureHeaderBytes],
        [2, actionPayload],
      ]),
      'repeated',
    ],
  ]);
  let payload = encodeFields([
    [1, header],
    [2, transaction],
  ]);
  let signature = sign(input.creator, payload);
  if (input.flipCreatorSignature) signature = flipLastByte(signature);
  if (input.highSCreatorSignature) signature = toHighS(signature);
  if (input.flipPayloadAfterSigning) payload = flipLastByte(payload);
  return encodeFields([
    [1, payload],
    [2, signature],
  ]);
}

// --- blocks -------------------------------------------------------------------------

export interface BlockInput {
  number: bigint;
  previousHash: Uint8Array;
  envelopes: Uint8Array[];
  /** Orderers that sign; none leaves the block unsigned. */
  orderers: TestIdentity[];
  lastConfig: bigint;
  /** One code per transaction; default all VALID. */
  filter?: number[];
  flipOrdererSignature?: boolean;
}

export function block(input: BlockInput): FabricBlock {
  const dataHash = blockDataHash(input.envelopes);
  const header = blockHeaderBytes(input.number, input.previousHash, dataHash);
  // Kept even when empty (index 0), as Go's encoder keeps a set message field.
  const value = encodeFields([[1, encodeFields([[1, input.lastConfig]]), 'repeated']]);
  const signatures = input.orderers.map((orderer) => {
    const signatureHeader = encodeFields([
      [1, orderer.serialized],
      [2, new Uint8Array(24).fill(3)],
    ]);
    let signature = sign(orderer, concat(value, signatureHeader, header));
    if (input.flipOrdererSignature) signature = flipLastByte(signature);
    return encodeFields([
      [1, signatureHeader],
      [2, signature],
    ]);
  });
  const signed =
    input.orderers.length > 0
      ? encodeFields([
          [1, value],
          ...signatures.map((s) => [2, s, 'repeated'] as [number, Uint8Array, 'repeated']),
        ])
      : new Uint8Array(0);
  return {
    number: input.number,
    previousHash: input.previousHash,
    dataHash,
    data: input.envelopes,
    metadata: [
      signed,
      new Uint8Array(0),
      Uint8Array.from(input.filter ?? input.envelopes.map(() => 0)),
      new Uint8Array(0),
      new Uint8Array(0),
    ],
  };
}

export function headerHash(block: FabricBlock): Uint8Array {
  return blockHeaderHash(block.number, block.previousHash, block.dataHash);
}

/** A common.Block message, as qscc returns it. */
export function encodeBlock(block: FabricBlock): Uint8Array {
  return encodeFields([
    [
      1,
      encodeFields([
        [1, block.number],
        [2, block.previousHash],
        [3, block.dataHash],
      ]),
    ],
    [2, encodeFields(block.data.map((d) => [1, d, 'repeated'] as [number, Uint8Array, 'repeated']))],
    [3, encodeFields(block.metadata.map((m) => [1, m, 'repeated'] as [number, Uint8Array, 'repeated']))],
  ]);
}

/** The network: an orderer organisation and two application organisations, with identities of each role. */
export async function network() {
  const ordererCa = await FixtureCa.create('OrdererMSP');
  const org1 = await FixtureCa.create('Org1MSP');
  const org2 = await FixtureCa.create('Org2MSP');
  const stranger = await FixtureCa.create('OrdererMSP');
  const identities = {
    orderer: await ordererCa.issue('orderer0', 'orderer'),
    ordererClient: await ordererCa.issue('ordererclient', 'client'),
    strangerOrderer: await stranger.issue('orderer0', 'orderer'),
    peer1: await org1.issue('peer0.org1', 'peer'),
    peer1b: await org1.issue('peer1.org1', 'peer'),
    peerAndClient1: await org1.issue('both.org1', ['peer', 'client']),
    peer2: await org2.issue('peer0.org2', 'peer'),
    client1: await org1.issue('user1', 'client'),
    client2: await org2.issue('user2', 'client'),
    admin1: await org1.issue('admin1', 'admin'),
  };
  const genesis = block({
    number: 0n,
    previousHash: new Uint8Array(0),
    envelopes: [configEnvelope(ordererCa, [org1, org2])],
    orderers: [],
    lastConfig: 0n,
  });
  genesis.metadata[0] = new Uint8Array(0);
  return { ordererCa, org1, org2, stranger, identities, genesis };
}
