/**
 * What the wallet believes about a FISCO BCOS transaction's execution, from evidence any router
 * may carry (docs/trust-model.md): the transaction rebuilds to the hash the wallet signed (or was
 * told to look at) on the anchored chain and group; it and its receipt fold to the roots of a
 * header; that header hashes to its hash and carries a PBFT quorum of seals of the sealer set in
 * force, reached from the wallet's anchor through sealed headers only. Fetching headers is the
 * caller's (`headerAt`): nothing here touches the network.
 *
 * Sealer sets: a change made in block B shows in header B+1's `sealerList`, and header B+1 is
 * still sealed by the old set; so the set that seals header h is the list of header h−1. The
 * anchor holds the list of header `sealersAt`, i.e. the set that seals `sealersAt + 1`.
 */

import type { FiscoChainProfile, FiscoTxEvidence } from '../chain-profile.ts';
import type { Hex } from '../connector.ts';
import { type SignedFiscoBlockHeader, verifyBlockHeader } from './block-header.ts';
import { toHex } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoEvidenceError, FiscoHeaderHashError } from './errors.ts';
import { verifyTransactionWithReceipt } from './evidence.ts';
import type { FiscoBlockHeaderJson, FiscoLog } from './rpc-types.ts';
import type { SignatureScheme } from './signature-scheme.ts';
import { sm2Scheme } from './sm2.ts';
import { decodeTransaction, recoverSender } from './transaction.ts';
import { transactionRawFromJson } from './transaction-json.ts';

export interface VerifiedFiscoExecution {
  txHash: Hex;
  blockNumber: bigint;
  blockHash: Hex;
  /** FISCO status 0x0 is success; any other status (revert, out of gas ...) did not apply. */
  status: 'success' | 'reverted';
  chainStatus: string;
  output: Hex;
  logs: FiscoLog[];
  /** Recovered from the transaction's signature (the node's `from` field is not hashed). */
  from: string;
  /** Null for a deployment. */
  to: string | null;
  input: Hex;
  /** The created contract for a deployment (from the receipt's hashed fields), else null. */
  contractAddress: string | null;
  /** For display: "sealed by 3 of 4 sealers". */
  sealedBy: { signers: number; sealers: number; quorum: number };
}

export interface VerifyFiscoExecutionOptions {
  /** The transaction the wallet signed, or was told to look at. */
  txHash: Hex;
  /** A sealed header (signatureList included) by number; null when the chain has none. */
  headerAt(n: bigint): Promise<FiscoBlockHeaderJson | null>;
  /** How many headers the walk from the anchor may fetch; default 10,000. */
  maxWalk?: number;
  /**
   * The signer's address when the caller signed `txHash` itself (the hash it computed fixes the
   * signature, so the sender): saves recovering it (a curve operation) from the signature.
   */
  sender?: string;
}

export type FiscoAnchorRefusal =
  | 'header-missing'
  | 'header-unverified'
  | 'walk-too-long'
  | 'older-than-anchor'
  | 'not-linked';

/** The evidence header cannot be reached from the wallet's anchored sealer set through sealed headers. */
export class FiscoAnchorError extends FiscoEvidenceError {
  override name = 'FiscoAnchorError';
  readonly reason: FiscoAnchorRefusal;
  constructor(reason: FiscoAnchorRefusal, message: string, details: Record<string, unknown> = {}) {
    super(message, 'anchor', { reason, ...details });
    this.reason = reason;
  }
}

/** The transaction is not the one asked for, or not on the anchored chain and group. */
export class FiscoTransactionBindingError extends FiscoEvidenceError {
  override name = 'FiscoTransactionBindingError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, 'binding', details);
  }
}

function senderOf(tx: ReturnType<typeof decodeTransaction>, scheme: SignatureScheme): string {
  try {
    return recoverSender(tx, scheme);
  } catch (error) {
    throw new FiscoTransactionBindingError(
      `the transaction's signature does not recover: ${(error as Error).message}`,
    );
  }
}

export const DEFAULT_MAX_WALK = 10_000;
/** How many headers a walk asks for at once. */
const WALK_WINDOW = 16n;

export function schemeOf(anchor: Pick<FiscoChainProfile, 'crypto'>): SignatureScheme {
  return anchor.crypto === 'sm' ? sm2Scheme : ecdsaScheme;
}

const bare = (nodeId: string) => nodeId.replace(/^0x/, '').toLowerCase();

function asSigned(header: FiscoBlockHeaderJson): SignedFiscoBlockHeader {
  return { ...header, signatureList: header.signatureList ?? [] };
}

function numberOf(header: FiscoBlockHeaderJson): bigint {
  try {
    return BigInt(header.number);
  } catch {
    throw new FiscoAnchorError('header-unverified', `header number ${String(header.number)} is not a number`);
  }
}

function tryVerify(
  header: FiscoBlockHeaderJson,
  sealers: readonly string[],
  scheme: SignatureScheme,
): ReturnType<typeof verifyBlockHeader> | FiscoEvidenceError {
  try {
    return verifyBlockHeader(asSigned(header), sealers, scheme);
  } catch (error) {
    if (error instanceof FiscoEvidenceError) return error;
    throw error;
  }
}

/**
 * Checks `header` is sealed by the set in force at its height, starting from `anchor`.
 * At or after `sealersAt`: accepted at once when a quorum of the anchored set sealed it (no set
 * change in between, or one the old set still vouches for); otherwise every header
 * `sealersAt + 1 .. number − 1` is fetched, each checked with the set in force and its list then
 * adopted, and the header checked with the set so reached. A header OLDER than `sealersAt` is
 * accepted only when a quorum of the anchored set sealed it (the wallet keeps no older sets):
 * otherwise refused. Returns the anchor advanced to the header when it is newer.
 */
export async function verifyAnchoredHeader(
  header: FiscoBlockHeaderJson,
  anchor: FiscoChainProfile,
  scheme: SignatureScheme,
  options: Pick<VerifyFiscoExecutionOptions, 'headerAt' | 'maxWalk'>,
): Promise<{ verified: ReturnType<typeof verifyBlockHeader>; sealers: number; anchor: FiscoChainProfile }> {
  const number = numberOf(header);
  const at = BigInt(anchor.sealersAt);
  const anchored = anchor.sealers.map(bare);
  const advanced = (): FiscoChainProfile =>
    number > at ? { ...anchor, sealers: header.sealerList.map(bare), sealersAt: Number(number) } : anchor;
  const direct = tryVerify(header, anchored, scheme);
  // A header that does not hash to its hash is refused outright: no walk for garbage.
  if (direct instanceof FiscoHeaderHashError) throw direct;
  if (!(direct instanceof FiscoEvidenceError))
    return { verified: direct, sealers: anchored.length, anchor: advanced() };
  if (number <= at) {
    throw new FiscoAnchorError(
      'older-than-anchor',
      `block ${number} is not after the anchored block ${at} and the anchored sealers did not seal it: ${direct.message}`,
      { number: number.toString(), sealersAt: anchor.sealersAt },
    );
  }
  const maxWalk = BigInt(options.maxWalk ?? DEFAULT_MAX_WALK);
  if (number - at - 1n > maxWalk) {
    throw new FiscoAnchorError(
      'walk-too-long',
      `block ${number} is ${number - at} blocks past the anchor (block ${at}); the walk is limited to ${maxWalk}`,
      { number: number.toString(), sealersAt: anchor.sealersAt },
    );
  }
  let sealers = anchored;
  let previousHash: string | null = null;
  // Headers are fetched a window ahead (a walk over the network would otherwise wait on each),
  // and checked strictly in order.
  const window = new Map<bigint, Promise<FiscoBlockHeaderJson | null>>();
  const fetchAhead = (from: bigint) => {
    for (let k = from; k < number && k < from + WALK_WINDOW; k++)
      if (!window.has(k)) {
        const fetched = options.headerAt(k);
        // A fetch left unread once the walk stops must not surface as an unhandled rejection.
        fetched.catch(() => {});
        window.set(k, fetched);
      }
  };
  for (let k = at + 1n; k < number; k++) {
    fetchAhead(k);
    const step = await (window.get(k) as Promise<FiscoBlockHeaderJson | null>);
    window.delete(k);
    if (!step)
      throw new FiscoAnchorError('header-missing', `no header for block ${k}`, { number: k.toString() });
    if (numberOf(step) !== k)
      throw new FiscoAnchorError('header-unverified', `asked for block ${k}, got block ${step.number}`);
    if (previousHash !== null && step.parentHash.toLowerCase() !== previousHash)
      throw new FiscoAnchorError('not-linked', `block ${k} does not follow block ${k - 1n}`);
    const check = tryVerify(step, sealers, scheme);
    if (check instanceof FiscoEvidenceError)
      throw new FiscoAnchorError('header-unverified', `block ${k}: ${check.message}`, {
        number: k.toString(),
      });
    previousHash = check.hash;
    sealers = step.sealerList.map(bare);
  }
  if (previousHash !== null && header.parentHash.toLowerCase() !== previousHash)
    throw new FiscoAnchorError('not-linked', `block ${number} does not follow block ${number - 1n}`);
  const last = tryVerify(header, sealers, scheme);
  if (last instanceof FiscoEvidenceError)
    throw new FiscoAnchorError('header-unverified', `block ${number}: ${last.message}`, {
      number: number.toString(),
    });
  return { verified: last, sealers: sealers.length, anchor: advanced() };
}

/**
 * Verifies `evidence` for `options.txHash` against `anchor`; throws a `FiscoEvidenceError`
 * (FiscoTransactionBindingError, FiscoProofError, FiscoAnchorError ...) when anything does not
 * check out. Returns what executed and the anchor advanced to the evidence header (sealers =
 * its `sealerList`, `sealersAt` = its number) when that header is newer, for the caller to keep.
 */
export async function verifyFiscoExecution(
  evidence: FiscoTxEvidence,
  anchor: FiscoChainProfile,
  options: VerifyFiscoExecutionOptions,
): Promise<{ execution: VerifiedFiscoExecution; anchor: FiscoChainProfile }> {
  const scheme = schemeOf(anchor);
  const tx = evidence.transaction.transaction;
  const wanted = options.txHash.toLowerCase();
  const raw = transactionRawFromJson(tx, scheme);
  const rebuilt = toHex(scheme.hash(raw));
  if (rebuilt !== wanted)
    throw new FiscoTransactionBindingError(`the evidence is for transaction ${rebuilt}, not ${wanted}`, {
      rebuilt,
      wanted,
    });
  const decoded = decodeTransaction(raw, scheme);
  if (decoded.fields.chainId !== BigInt(anchor.chainId) || decoded.fields.groupId !== BigInt(anchor.groupId))
    throw new FiscoTransactionBindingError(
      `transaction is for chain ${decoded.fields.chainId} group ${decoded.fields.groupId}, not ${anchor.chainId}/${anchor.groupId}`,
    );
  const { header } = evidence;
  const sealed = await verifyAnchoredHeader(header, anchor, scheme, options);
  verifyTransactionWithReceipt(
    evidence.transaction,
    evidence.receipt,
    {
      hash: sealed.verified.hash,
      number: header.number,
      transactionsRoot: header.transactionsRoot,
      receiptsRoot: header.receiptsRoot,
    },
    { scheme, withRemainGas: anchor.receiptsWithRemainGas },
  );
  const receipt = evidence.receipt.transactionReceipt;
  const deployed = decoded.fields.to === null;
  const execution: VerifiedFiscoExecution = {
    txHash: rebuilt,
    blockNumber: BigInt(header.number),
    blockHash: sealed.verified.hash,
    status: BigInt(receipt.status) === 0n ? 'success' : 'reverted',
    chainStatus: receipt.status,
    output: receipt.output.toLowerCase() as Hex,
    logs: receipt.logs.map((log) => ({
      address: log.address.toLowerCase(),
      topics: log.topics.map((topic) => topic.toLowerCase()),
      data: log.data.toLowerCase(),
    })),
    from: options.sender?.toLowerCase() ?? senderOf(decoded, scheme),
    to: decoded.fields.to,
    input: decoded.fields.data,
    contractAddress: deployed ? receipt.contractAddress.toLowerCase() : null,
    sealedBy: {
      signers: sealed.verified.signers.length,
      sealers: sealed.sealers,
      quorum: sealed.verified.quorum,
    },
  };
  return { execution, anchor: sealed.anchor };
}
