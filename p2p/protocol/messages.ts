/**
 * HIP message schemas. The same request bodies travel on the client protocol
 * (wallet -> entry router) and, wrapped with a hop budget, on the forward protocol
 * (router -> router). Schemas are zod so each router validates every frame it reads.
 */
import { z } from 'zod';
import type { ChainProfile, FiscoTxEvidence } from '../chains/chain-profile.ts';
import type {
  CallResult,
  ChainBlock,
  ChainInfo,
  ChainTransaction,
  Hex,
  PreparedTransaction,
  ResourceDescription,
  ResourceEventRecord,
  TransactionReceipt,
} from '../chains/connector.ts';
import type { FiscoBlockHeaderJson } from '../chains/fisco-bcos/rpc-types.ts';
import type { HipErrorBody } from './errors.ts';

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'must be 0x-prefixed hex');
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes as 0x hex');
/** `zone.chain.resource`: three dot-separated names of letters, digits, `_` and `-`. */
export const resourcePath = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be zone.chain.resource');

export const requestBody = z.discriminatedUnion('op', [
  z.object({ op: z.literal('resources') }),
  z.object({ op: z.literal('describe'), path: resourcePath }),
  z.object({ op: z.literal('chainInfo'), path: resourcePath }),
  z.object({
    op: z.literal('call'),
    path: resourcePath,
    method: z.string().min(1).max(128),
    args: z.array(z.unknown()).max(64),
    from: z.string().max(256).optional(),
    signed: hex.optional(),
  }),
  z.object({ op: z.literal('prepare'), path: resourcePath, signed: hex }),
  /**
   * Fabric: a read the wallet acts on, as an endorsed proposal (Endorse, not Evaluate). The same
   * as `prepare` at the router, but never submitted: a read, so a client may ask it again elsewhere.
   */
  z.object({ op: z.literal('endorse'), path: resourcePath, signed: hex }),
  z.object({
    op: z.literal('submit'),
    path: resourcePath,
    signed: hex,
    timeoutMs: z.number().int().positive().optional(),
  }),
  z.object({ op: z.literal('getBlock'), path: resourcePath, number: z.bigint().nonnegative() }),
  z.object({ op: z.literal('getTransaction'), path: resourcePath, txId: z.string().min(1).max(200) }),
  z.object({ op: z.literal('subscribe'), path: resourcePath }),
  /**
   * A read under a data-access grant (docs/grants.md). Routers on the way pass grant and proof
   * on as they are; the router fronting `path` checks them (GRANT_REJECTED/malformed and so on).
   */
  z.object({ op: z.literal('readGranted'), path: resourcePath, grant: z.unknown(), proof: z.unknown() }),
  z.object({ op: z.literal('unsubscribe'), subscription: z.string().min(1).max(100) }),
  /** The trust anchor of the chain behind `path`, as its fronting router reads it from the chain. */
  z.object({ op: z.literal('chainProfile'), path: resourcePath }),
  /** FISCO BCOS: a transaction, its receipt, their Merkle proofs and their block's sealed header. */
  z.object({ op: z.literal('txEvidence'), path: resourcePath, txId: bytes32 }),
  /** FISCO BCOS: one sealed block header (for following sealer-set changes header by header). */
  z.object({ op: z.literal('blockHeader'), path: resourcePath, number: z.bigint().nonnegative() }),
  /**
   * Fabric: a wallet-signed qscc `GetBlockByTxID` proposal, endorsed by a peer of each of `orgs`
   * (Endorse, not Evaluate: each peer signs the block it returns, validation codes included).
   */
  z.object({
    op: z.literal('blockByTxId'),
    path: resourcePath,
    signed: hex,
    orgs: z.array(z.string().min(1).max(256)).min(1).max(16),
  }),
  /**
   * The chain events naming a TTM transaction or HTLC id that the fronting router has seen: hints
   * (transaction ids) the wallet checks against chain evidence, never state it takes as said.
   */
  z.object({ op: z.literal('ttmEvents'), path: resourcePath, id: bytes32 }),
  /**
   * A hash-lock secret made public (docs/ttm.md): `sha256(preimage) == hashLock`. Routers flood it
   * to each other and finish the transactions and HTLCs it opens on their chains. `ids` names the
   * transactions or HTLCs it was revealed for (the wallet uses one id on every chain), so a router
   * that missed their prepare can still find them.
   */
  z.object({
    op: z.literal('ttmReveal'),
    hashLock: bytes32,
    preimage: bytes32,
    ids: z.array(bytes32).max(8).optional(),
  }),
]);

export type RequestBody = z.infer<typeof requestBody>;

export const requestFrame = z.object({
  type: z.literal('request'),
  id: z.number().int().nonnegative(),
  /** Milliseconds the sender will wait; each hop passes on what is left. */
  timeoutMs: z.number().int().positive().max(600_000).optional(),
  /** Router-to-router hops this request may still take. */
  hopsLeft: z.number().int().nonnegative().max(64).optional(),
  body: requestBody,
});

export type RequestFrame = z.infer<typeof requestFrame>;

export type ResponseFrame =
  | { type: 'response'; id: number; result: unknown }
  | { type: 'response'; id: number; error: HipErrorBody };

/** A chain event pushed to a subscriber, with the path it belongs to. */
export interface ResourceEvent extends ResourceEventRecord {
  path: string;
}

export interface EventFrame {
  type: 'event';
  subscription: string;
  event: ResourceEvent;
}

/** A resource as the directory knows it: where it is and how far. */
export interface ResourceEntry extends ResourceDescription {
  /** Peer id of the router that fronts the chain. */
  router: string;
  /** Router-to-router hops from the answering router (0: it fronts the chain itself). */
  hops: number;
  /** When `router` signed this description (ms since the epoch); see `advert-signature.ts`. */
  issued?: number;
  /** `router`'s signature over the description and `addresses` (hex): a wallet can check no router on the way altered them. */
  signature?: string;
  /**
   * Where a wallet can dial `router`, the origin, directly: its WebSocket multiaddrs, each ending in
   * `/p2p/<router>`, as the origin signed them (relays pass them on unchanged).
   */
  addresses?: string[];
}

/** What each client operation returns. */
export interface ResultOf {
  resources: ResourceEntry[];
  describe: ResourceEntry;
  chainInfo: ChainInfo;
  call: CallResult;
  prepare: PreparedTransaction;
  endorse: PreparedTransaction;
  submit: TransactionReceipt;
  getBlock: ChainBlock | null;
  getTransaction: ChainTransaction | null;
  subscribe: { subscription: string };
  unsubscribe: { ok: true };
  readGranted: GrantedRecord;
  ttmReveal: TtmRevealResult;
  chainProfile: ChainProfile;
  txEvidence: FiscoTxEvidence | null;
  blockHeader: FiscoBlockHeaderJson | null;
  blockByTxId: { envelope: Hex };
  ttmEvents: ResourceEventRecord[];
}

/** `fresh`: the router had not seen this hash lock revealed before (it passes it on only then). */
export interface TtmRevealResult {
  hashLock: string;
  fresh: boolean;
}

/**
 * What a granted read returns: the record's id, only the fields the grant covers (as the chain
 * stores them: sealed by the owner's wallet), and `key`, the blob of those fields' keys the owner
 * wrapped to this grant's audience ("" when the record has none for this grant).
 */
export interface GrantedRecord {
  record: string;
  fields: Record<string, string>;
  key: string;
}

const resourceParam = z.object({ name: z.string().max(128), type: z.string().max(128) });

export const resourceDescription = z.object({
  path: resourcePath,
  chain: z.discriminatedUnion('type', [
    z.object({ type: z.literal('fisco-bcos'), chainId: z.number().int(), groupId: z.number().int() }),
    z.object({
      type: z.literal('fabric'),
      channel: z.string().max(256),
      mspId: z.string().max(256).optional(),
    }),
  ]),
  address: z.string().max(256),
  methods: z
    .array(
      z.object({
        name: z.string().max(128),
        kind: z.enum(['read', 'write']),
        inputs: z.array(resourceParam).max(64),
        outputs: z.array(resourceParam).max(64),
      }),
    )
    .max(512),
  abi: z.unknown().optional(),
});

/** One route in a directory update: a resource and the routers an update passed through. */
export const routeAdvert = z.object({
  description: resourceDescription,
  /** Router that fronts the chain. */
  origin: z.string().min(1).max(100),
  /** Routers the advert passed through, origin first, the sender last. A router never accepts a route that lists itself. */
  via: z.array(z.string().min(1).max(100)).min(1).max(64),
  /** When the origin signed the description (ms since the epoch): of two adverts from one origin for one path, the older is stale. */
  issued: z.number().int().nonnegative(),
  /** The origin's signature (hex) over origin, zone, path, `issued`, description and `addresses` (p2p/protocol/advert-signature.ts); relays pass it on unchanged. */
  signature: z
    .string()
    .regex(/^[0-9a-f]+$/, 'must be lowercase hex')
    .max(1024),
  /** Where a wallet can dial the origin: its WebSocket multiaddrs, each ending in `/p2p/<origin>`, signed with the rest. */
  addresses: z
    .array(
      z
        .string()
        .max(512)
        .regex(/^\/\S+$/, 'must be a multiaddr'),
    )
    .max(16)
    .optional(),
});

export type RouteAdvert = Omit<z.infer<typeof routeAdvert>, 'description'> & {
  description: ResourceDescription;
};

export const directoryFrame = z.object({
  type: z.literal('routes'),
  /** Sender's update counter: a receiver ignores an update older than one it has applied. */
  seq: z.number().int().nonnegative(),
  routes: z.array(routeAdvert).max(10_000),
});

export type DirectoryFrame = z.infer<typeof directoryFrame>;
