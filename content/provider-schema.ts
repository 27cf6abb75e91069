/**
 * The provider API as types: for every method, the params a page sends and the result it gets
 * (docs/provider-api.md says the same in words). The worker's method table is typed against
 * `ProviderSchema`, so a result that drifts from it is a compile error. Types only, no code: a
 * dapp SDK can import this file without pulling in the worker.
 *
 * Params still arrive from pages as `unknown`; each method checks them at runtime (-32602
 * naming the bad field) and the checked values take these types.
 */
import type { SwapProposal, SwapView, TransactionView, TtmView } from '../background/ttm/types.ts';
import type { CallResult, ChainTransaction, TransactionReceipt } from '../p2p/chains/connector.ts';
import type { Grant, GrantedRead, Hex } from '../p2p/grants/typed-data.ts';
import type { GrantedRecord, ResourceEntry } from '../p2p/protocol/messages.ts';
import type {
  CreateSessionParams,
  CreateSessionResult2025,
  InvokeMethodParams,
  Scopes,
  SessionScopesResult,
  SubscribeParams,
  UnsubscribeParams,
} from './caip-schema.ts';

/**
 * What JSON carries of `T`, as results leave the worker: big integers as decimal strings,
 * bytes as 0x hex (background/provider/json-safe.ts).
 */
export type JsonSafe<T> = T extends bigint
  ? string
  : T extends Uint8Array
    ? Hex
    : T extends readonly (infer U)[]
      ? JsonSafe<U>[]
      : T extends object
        ? { [K in keyof T]: JsonSafe<T[K]> }
        : T;

/** A site's session: which resource paths it may use and which account answers for it. */
export interface Session {
  origin: string;
  /** Resource paths `zone.chain.resource` the site may read and write. */
  resources: string[];
  /** Per path, the only methods the site may use; a path not listed here allows all its methods. */
  methods?: Record<string, string[]>;
  /** FISCO BCOS account index (in the vault) that signs for this site. */
  account: number;
  /** The account's address, for display and for `from` in reads. */
  address: string;
  /** Id of the Fabric identity that signs for this site on Fabric, if the wallet has one. */
  fabricIdentity?: string;
  createdAt: number;
  /**
   * Per path, the resource's description as the user approved it (docs/provider-api.md, "Pinned
   * resource descriptions"): a later description that differs is refused until the user approves
   * the change. Absent in sessions stored before pins: their resources are refused until asked again.
   */
  pins?: Record<string, ResourcePin>;
}

/** What a session pins of one resource when the user approves it. */
export interface ResourcePin {
  path: string;
  chain: { type: 'fisco-bcos'; chainId: number; groupId: number } | { type: 'fabric'; channel: string };
  /** Fingerprint of the wallet's trust anchor of the chain (genesis or config block hash), if it had one. */
  anchor?: string;
  /** Contract address, lowercase (FISCO BCOS), or chaincode name (Fabric). */
  address: string;
  /** sha256 (hex) of the canonical JSON of `{ abi, methods }` as described. */
  abiHash: string;
  pinnedAt: number;
}

export interface PingResult {
  pong: true;
  /** The origin the wallet sees for the caller: lets a dapp check what the wallet will show the user. */
  origin: string;
  /** Echo of an optional string the dapp sent, to match answers in tests and benchmarks. */
  echo?: string;
}

export interface VersionResult {
  name: 'Weft';
  version: string;
  /** Provider API revision; bumped when a method changes shape (see docs/provider-api.md). */
  apiVersion: 2;
}

export interface SessionParams {
  /** 1 to 32 resource paths. */
  resources: string[];
  /** Per path asked for, the only methods the site will use there. */
  methods?: Record<string, string[]>;
}

/**
 * What backs a `weft_call` answer: `endorsed`, peers' endorsements satisfying the chaincode's
 * policy, checked by the wallet; `router`, nothing but the routers' word.
 */
export interface CallVerification {
  backing: 'endorsed' | 'router';
  by: string;
}

/** `weft_call` and `weft_sendTransaction`. */
export interface ResourceCallParams {
  path: string;
  method: string;
  /** At most 64; integers may be decimal strings. */
  args?: unknown[];
}

export interface DescribeParams {
  path: string;
}

export interface GetTransactionParams {
  path: string;
  txId: string;
}

export interface GrantParams {
  /** `zone.chain.resource` holding the records. */
  resource: string;
  /** 1 to 64 record ids. */
  records: string[];
  /** Up to 64; omitted or empty: every field. */
  fields?: string[];
  /** 60 s to 365 days. */
  durationSeconds: number;
  /** 1 to 500 characters, shown to the user. */
  reason: string;
  /**
   * Public key (0x, 33 bytes compressed or 65 uncompressed) of a secp256k1 key the site holds:
   * the grant's `audienceKey` is its address, and the records' keys are wrapped to it.
   */
  audiencePublicKey: string;
}

/** What became of sharing a granted record's keys right after the grant was signed. */
export interface SharedKeys {
  record: string;
  /** `absent`: no such record yet (its first write wraps keys for the grant); `failed`: see `error`. */
  status: 'shared' | 'absent' | 'failed';
  /** The `shareKeys` / `ShareKeys` transaction, once shared. */
  txId?: string;
  error?: string;
}

/** The `weft_requestGrant` result: the grant as signed, its 65-byte signature and its id (EIP-712 digest). */
export interface IssuedGrant {
  grant: Grant;
  signature: Hex;
  grantId: Hex;
  /** Per granted record, in the grant's order: whether its keys were shared with the audience. */
  sharedKeys: SharedKeys[];
}

/** `weft_putRecord`: a record of the session's account (Fabric: identity), written sealed. */
export interface PutRecordParams {
  /** `zone.chain.resource` of a records resource. */
  path: string;
  /** 1 to 200 characters. */
  record: string;
  /** 1 to 64 fields: name (1 to 200 characters) -> value (up to 4096 characters). */
  fields: Record<string, string>;
}

/** `weft_getRecord`. */
export interface GetRecordParams {
  path: string;
  record: string;
}

/** `weft_getRecord`'s answer: the owner's record, opened in the wallet. */
export interface PlainRecord {
  record: string;
  fields: Record<string, string>;
}

export interface GrantedReadParams {
  grant: Grant;
  signature: Hex;
  read: GrantedRead;
  readSignature: Hex;
}

/** A positive whole number: a decimal string or a safe integer. */
export type Amount = string | number;

export interface CrossChainStepParams {
  path: string;
  /** FISCO BCOS: the session's address, may be left out. Fabric: an account the wallet's identity owns. */
  from?: string;
  /** FISCO BCOS: an address. Fabric: an account name. */
  to: string;
  amount: Amount;
}

export interface CrossChainParams {
  /** 1 to 16 transfers. */
  steps: CrossChainStepParams[];
  /** 20 to 86400: from approval to the first chain's deadline. */
  timeoutSeconds?: number;
}

export interface ProposeSwapParams {
  /** What this user locks for the other party (`to`); `from` on Fabric. */
  give: { path: string; amount: Amount; to: string; from?: string };
  /** What this user gets, into `to` (on FISCO BCOS the session's address when left out). */
  want: { path: string; amount: Amount; to?: string };
  /** 30 to 86400; the other party's lock gets half. */
  timelockSeconds?: number;
}

export interface AcceptSwapParams {
  /** As `weft_proposeSwap` returned it, or that object as JSON text. */
  proposal: SwapProposal | string;
  /** Your Fabric account, when you pay on Fabric. */
  from?: string;
}

export interface TtmStatusParams {
  id: Hex;
}

/** No params: none, or `[]`. */
type None = undefined | [];

/** Every provider method: its `params` (as `request({ method, params })` takes them) and its result. */
export interface ProviderSchema {
  weft_ping: { params: None | [echo: string]; result: PingResult };
  weft_version: { params: None; result: VersionResult };
  weft_requestSession: { params: [SessionParams]; result: Session };
  weft_getSession: { params: None; result: Session | null };
  weft_revokeSession: { params: None; result: { revoked: boolean } };
  weft_resources: { params: None; result: JsonSafe<ResourceEntry[]> };
  weft_describe: { params: [DescribeParams]; result: JsonSafe<ResourceEntry> };
  weft_call: { params: [ResourceCallParams]; result: JsonSafe<CallResult> & { verified: CallVerification } };
  weft_getTransaction: { params: [GetTransactionParams]; result: JsonSafe<ChainTransaction> | null };
  weft_sendTransaction: {
    params: [ResourceCallParams];
    result: JsonSafe<TransactionReceipt> & { verified: { by: string } };
  };
  weft_putRecord: {
    params: [PutRecordParams];
    result: JsonSafe<TransactionReceipt> & { verified: { by: string } };
  };
  weft_getRecord: { params: [GetRecordParams]; result: PlainRecord };
  weft_requestGrant: { params: [GrantParams]; result: IssuedGrant };
  /** `fields` sealed, `key` the blob wrapped to the audience: open both with `openGranted`. */
  weft_readWithGrant: { params: [GrantedReadParams]; result: GrantedRecord };
  weft_sendCrossChainTransaction: { params: [CrossChainParams]; result: TransactionView };
  weft_proposeSwap: {
    params: [ProposeSwapParams];
    result: { id: Hex; proposal: SwapProposal; swap: SwapView };
  };
  weft_acceptSwap: { params: [AcceptSwapParams]; result: { id: Hex; swap: SwapView } };
  weft_ttmStatus: { params: [TtmStatusParams]; result: TtmView };
  weft_ttmList: { params: None; result: TtmView[] };
  /** The scopes the wallet serves (CAIP-217): what it announces to a dapp's CAIP-294 prompt. */
  weft_scopes: { params: None; result: Scopes };
  /** A session resource's events, as `wallet_notify` to this page; the subscription id. */
  weft_subscribe: { params: [SubscribeParams]; result: string };
  weft_unsubscribe: { params: [UnsubscribeParams]; result: boolean };
  // Chain-agnostic methods (content/caip-schema.ts; docs/provider-api.md, "Chain-agnostic API").
  /** CAIP-25; answered in the shape asked in (2024: `sessionScopes`, 2025: `scopes`). */
  wallet_createSession: {
    params: CreateSessionParams | [CreateSessionParams];
    result:
      | (SessionScopesResult & { scopedProperties: Record<string, { resources: string[] }> })
      | CreateSessionResult2025;
  };
  /** CAIP-312: the session's scopes; `sessionScopes: {}` without one. */
  wallet_getSession: {
    params: None | SessionIdParam | [SessionIdParam];
    result: SessionScopesResult & { scopedProperties?: Record<string, { resources: string[] }> };
  };
  /** CAIP-285. */
  wallet_revokeSession: { params: None | SessionIdParam | [SessionIdParam]; result: true };
  /** CAIP-27: the result of `request.method`, as if called directly. */
  wallet_invokeMethod: { params: InvokeMethodParams | [InvokeMethodParams]; result: unknown };
}

/** CAIP-285/312's optional `sessionId` (ignored: the wallet keeps one session per site). */
type SessionIdParam = { sessionId?: string };

export type ProviderMethodName = keyof ProviderSchema;
export type ProviderParams<M extends ProviderMethodName> = ProviderSchema[M]['params'];
export type ProviderResult<M extends ProviderMethodName> = ProviderSchema[M]['result'];

/** The argument of `request`: `params` may be left out where the method takes none. */
export type ProviderRequestArgs<M extends ProviderMethodName> =
  undefined extends ProviderParams<M>
    ? { method: M; params?: ProviderParams<M> }
    : { method: M; params: ProviderParams<M> };

/** `window.weft.request`, typed by method: what a dapp SDK declares it as. */
export type ProviderRequest = <M extends ProviderMethodName>(
  args: ProviderRequestArgs<M>,
) => Promise<ProviderResult<M>>;
