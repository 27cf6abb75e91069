/**
 * The universal blockchain interface (UBI): what a router needs from any chain it fronts.
 *
 * Every chain type (FISCO BCOS, Fabric, ...) implements `ChainConnector`. The router
 * speaks only this interface, so adding a chain type never touches routing code.
 * Values that cross the network are JSON-friendly: chain-native bytes travel as
 * 0x-prefixed hex, big numbers as decimal strings or hex as the chain reports them.
 *
 * Routers never sign for users: writes arrive already signed by the wallet
 * (`SubmitRequest.signed`). Chains whose write flow has an extra round trip before
 * the final signature (Fabric: endorse, then sign the returned envelope) implement
 * `prepare`.
 */

import type { ChainProfile, FiscoTxEvidence } from './chain-profile.ts';
import type { FiscoBlockHeaderJson } from './fisco-bcos/rpc-types.ts';

export type Hex = `0x${string}`;

export type ChainType = 'fisco-bcos' | 'fabric';

/** Where a chain lives: enough for a wallet to build a transaction for it. */
export type ChainRef =
  | { type: 'fisco-bcos'; chainId: number; groupId: number }
  | { type: 'fabric'; channel: string; mspId?: string };

/** One parameter or return value of a resource method (Solidity ABI style). */
export interface ResourceParam {
  name: string;
  type: string;
}

export interface ResourceMethod {
  name: string;
  /** `read` methods are answered by `call`; `write` methods need a signed transaction. */
  kind: 'read' | 'write';
  inputs: ResourceParam[];
  outputs: ResourceParam[];
}

/** A resource as published under `zone.chain.resource`. */
export interface ResourceDescription {
  /** Full path, `zone.chain.resource`. */
  path: string;
  chain: ChainRef;
  /** Contract address (FISCO BCOS) or chaincode name (Fabric). */
  address: string;
  methods: ResourceMethod[];
  /** Chain-native interface description: a JSON ABI for EVM chains, contract metadata for Fabric. */
  abi?: unknown;
}

export interface ChainInfo {
  chain: ChainRef;
  blockNumber: bigint;
  /** Free-form node identification (for example getClientVersion). */
  client?: string;
}

export interface CallRequest {
  /** Resource path `zone.chain.resource` or the bare resource name. */
  resource: string;
  method: string;
  args: unknown[];
  /** Caller address or identity, when the chain needs one for a read. */
  from?: string;
  /** A chain-native signed read request, when the chain requires reads to be signed (Fabric evaluate). */
  signed?: Hex;
}

export interface CallResult {
  /** Decoded return values, in method output order. */
  values: unknown[];
  /** Raw chain-native output. */
  raw: Hex;
}

export interface PrepareRequest {
  resource: string;
  /** Chain-native signed proposal or equivalent first-round message. */
  signed: Hex;
}

export interface PreparedTransaction {
  /** Chain-native bytes the wallet must sign next. */
  unsigned: Hex;
  /** The digest of `unsigned` the wallet signs, as the chain defines it. */
  digest: Hex;
  /** Transaction id the chain will know this write under. */
  txId: string;
}

export interface SubmitRequest {
  resource: string;
  /** The chain-native signed transaction (FISCO BCOS: RLP; Fabric: signed envelope). */
  signed: Hex;
  /** Give up waiting for the receipt after this long (the transaction may still commit). */
  timeoutMs?: number;
  /** Stop waiting for the receipt (a router whose requester went away); the transaction stays sent. */
  signal?: AbortSignal;
}

export interface ChainEvent {
  /** Emitting contract address or chaincode name. */
  address: string;
  name?: string;
  /** Decoded arguments when the resource ABI knows the event. */
  args?: Record<string, unknown>;
  /** Chain-native topics and data (EVM) or payload (Fabric). */
  topics?: Hex[];
  data: Hex;
}

/** An event as a subscription delivers it: where it happened as well as what. */
export interface ResourceEventRecord extends ChainEvent {
  blockNumber: bigint;
  txId: string;
}

export interface TransactionReceipt {
  txId: string;
  blockNumber: bigint;
  status: 'success' | 'reverted';
  /** Chain-native status as the node reported it (FISCO `0x0`/`0x16`, Fabric validation code). */
  chainStatus: string;
  /** Return value of the executed method, when the chain reports one. */
  output?: Hex;
  events: ChainEvent[];
}

export interface ChainBlock {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: number;
  txIds: string[];
  /** Chain-native block as the node reported it. */
  raw: unknown;
}

export interface ChainTransaction {
  txId: string;
  blockNumber: bigint | null;
  from: string;
  to?: string;
  input: Hex;
  raw: unknown;
}

export interface ChainConnector {
  readonly chain: ChainRef;
  resources(): ResourceDescription[];
  /** Throws `UnknownResourceError` for a name this connector does not front. */
  describe(resource: string): ResourceDescription;
  info(): Promise<ChainInfo>;
  call(request: CallRequest): Promise<CallResult>;
  /** Only for chains with a round trip before the final signature (Fabric endorse). */
  prepare?(request: PrepareRequest): Promise<PreparedTransaction>;
  submit(request: SubmitRequest): Promise<TransactionReceipt>;
  blockNumber(): Promise<bigint>;
  getBlock(number: bigint): Promise<ChainBlock | null>;
  getTransaction(txId: string): Promise<ChainTransaction | null>;
  /**
   * Chain evidence (docs/router-protocol.md#chain-evidence): the router only fetches these, the
   * wallet verifies them. Each is optional; a chain type without one answers `UNSUPPORTED_OPERATION`.
   */
  /** The chain's trust anchor as the node reports it. */
  profile?(): Promise<ChainProfile>;
  /** FISCO BCOS: the transaction, its receipt, their proofs and their block's sealed header; null if not executed yet. */
  txEvidence?(txId: string): Promise<FiscoTxEvidence | null>;
  /** FISCO BCOS: a sealed header with its signatures; null past the head. */
  blockHeader?(number: bigint): Promise<FiscoBlockHeaderJson | null>;
  /** Fabric: a wallet-signed qscc GetBlockByTxID proposal endorsed by a peer of each of `orgs`; the prepared envelope. */
  blockByTxId?(signed: Hex, orgs: string[]): Promise<{ envelope: Hex }>;
  /** Events the resource emits from the next block on, until `signal` aborts. */
  events?(resource: string, options?: { signal?: AbortSignal }): AsyncIterable<ResourceEventRecord>;
  close(): Promise<void>;
}
