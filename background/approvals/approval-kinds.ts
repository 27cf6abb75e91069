/**
 * What each kind of approval shows and what the user may choose in it: the one contract
 * between the provider methods that ask (background/provider/methods) and the popup screens
 * that show and answer (popup/screens). Both sides import these types, so a field renamed
 * on one side is a compile error on the other.
 */
import type { ChainRef, ResourceParam } from '../../p2p/chains/connector.ts';
import type { GrantScope } from '../grants/scope.ts';
import type { PinChange, ResourcePin } from '../sessions/resource-pin.ts';
import type { ChainType, Hex, SwapSide, TtmStep } from '../ttm/types.ts';

/** `weft_requestSession`: the resources asked, and the signers the user may pick from. */
export interface SessionApprovalDetails {
  resources: string[];
  /** Per path, the only methods the site asks for; a path not listed asks for all. */
  methods: Record<string, string[]>;
  accounts: { index: number; address: string; name: string }[];
  fabricIdentities: { id: string; name: string; mspId: string }[];
  /** Preselected: the site's current signers, else the wallet's defaults. */
  current: { account: number; fabricIdentity?: string };
  /** Per path, what approving pins (docs/provider-api.md, "Pinned resource descriptions"). */
  descriptions: Record<string, SessionResourceDescription>;
}

/**
 * One resource of a session request: the description approving pins, and when the session had
 * pinned another one, that pin and what changed; or why the routers could not describe it now
 * (then nothing is pinned and the site must ask again before using it).
 */
export type SessionResourceDescription =
  | { pin: ResourcePin; previous?: ResourcePin; changes?: PinChange[] }
  | { unavailable: string };

/** A read-only run of the same call before anything is signed (FISCO BCOS only). */
export type TransactionSimulation =
  | { outcome: 'success'; values: unknown[] }
  | { outcome: 'revert'; reason: string };

/** `weft_sendTransaction`: exactly what will be signed. */
export interface TransactionApprovalDetails {
  path: string;
  chain: ChainRef;
  /** Contract address (FISCO BCOS) or chaincode name (Fabric). */
  contract: string;
  method: string;
  inputs: ResourceParam[];
  /** JSON-safe: big integers as decimal strings. */
  args: unknown[];
  /** The signing address (FISCO BCOS) or Fabric identity as "name (mspId)". */
  from: string;
  simulation?: TransactionSimulation;
}

/** `weft_requestGrant`: which data, for whom, until when, why. */
export interface GrantApprovalDetails extends GrantScope {
  resource: string;
  /** `zone` and `chain` names from the path, and the chain as the routers describe it. */
  zone: string;
  chainName: string;
  chain: ChainRef;
  /** Contract address (FISCO BCOS) or chaincode name (Fabric). */
  contract: string;
  reason: string;
  /** The address of the site's key (the grant's `audienceKey`; its public key gets the records' keys). */
  audienceKey: string;
  /** The account that signs the grant (the session's). */
  issuer: { address: string; name: string };
  /** Fabric: the identity that owns the records and is linked to the account if it is not yet. */
  fabricIdentity?: { name: string; mspId: string };
}

/** One reader of a record besides its owner: an active grant's site and the fields it covers. */
export interface RecordReader {
  /** The grant's audience origin. */
  origin: string;
  grantId: string;
  /** The fields of this write it can read (none: the grant covers no field written here). */
  fields: string[];
}

/** `weft_putRecord`: the record written, its values, and who will be able to read them. */
export interface RecordApprovalDetails {
  path: string;
  chain: ChainRef;
  /** Contract address (FISCO BCOS) or chaincode name (Fabric). */
  contract: string;
  record: string;
  /** Each field and its plaintext value, in the site's order. */
  fields: { name: string; value: string }[];
  /** Who writes: the signing address (FISCO BCOS) or Fabric identity as "name (mspId)". */
  from: string;
  /** The account whose key seals the values (the session's). */
  sealedBy: { address: string; name: string };
  /** Besides the owner, who can read it: the audiences of the active grants covering the record. */
  readers: RecordReader[];
}

/** One resource of a cross-chain transaction and its deadline. */
export interface ApprovalLeg {
  path: string;
  chain: ChainType;
  /** Unix seconds. */
  deadline: number;
}

/** `weft_sendCrossChainTransaction`: every transfer, each resource's deadline, who signs. */
export interface CrossChainApprovalDetails {
  id: Hex;
  steps: TtmStep[];
  legs: ApprovalLeg[];
  /** FISCO BCOS address; Fabric identity as "name (mspId)". */
  signer: { fisco: string; fabric?: string };
}

/** `weft_proposeSwap` and `weft_acceptSwap`: what this user gives and gets, and both timelocks. */
export interface SwapApprovalDetails {
  id: Hex;
  role: 'initiator' | 'participant';
  hashLock: Hex;
  /** What this user locks and pays. */
  give: SwapSide & { from: string };
  /** What this user receives. */
  get: SwapSide;
}

/** The details each kind of approval carries, by kind. */
export interface ApprovalDetails {
  session: SessionApprovalDetails;
  transaction: TransactionApprovalDetails;
  grant: GrantApprovalDetails;
  record: RecordApprovalDetails;
  crossChain: CrossChainApprovalDetails;
  swap: SwapApprovalDetails;
}

export type ApprovalKind = keyof ApprovalDetails;

/** A session's signers and resources as the user left them in the approval. */
export interface SessionChoice {
  /** The resources still ticked: never more than the site asked for. */
  resources: string[];
  /** Index of the account that signs for the site. */
  account: number;
  /** Id of the Fabric identity that signs on Fabric, when the wallet holds one. */
  fabricIdentity?: string;
}

/**
 * What the user chose while approving, by kind. The other kinds are only approved or
 * rejected: the user chooses nothing.
 */
export interface ApprovalChoice {
  session: SessionChoice;
  transaction: undefined;
  grant: GrantScope;
  record: undefined;
  crossChain: undefined;
  swap: undefined;
}

/** One request waiting for the user; `kind` says what its `details` are. */
export type Approval<K extends ApprovalKind = ApprovalKind> = {
  [P in K]: {
    id: string;
    kind: P;
    /** Origin of the requesting site, from the browser. */
    origin: string;
    /** What exactly will happen, as the popup shows it. */
    details: ApprovalDetails[P];
    createdAt: number;
  };
}[K];
