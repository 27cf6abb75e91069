/**
 * FISCO BCOS errors. Each keeps the node's own code and message: JSON-RPC codes (-32xxx from
 * the JSON-RPC layer, -400xx from FISCO BCOS's RPC module) and transaction statuses
 * (receipt `status`, also named inside txpool refusals).
 */
import {
  ChainError,
  ChainRejectedError,
  ChainRevertError,
  ChainTimeoutError,
  ChainUnavailableError,
} from '../errors.ts';
import { transactionStatusName } from './transaction-status.ts';

/** A byte string is not a well-formed FISCO BCOS transaction (bad RLP, wrong field count or size). */
export class FiscoTransactionFormatError extends ChainError {
  override name = 'FiscoTransactionFormatError';
  constructor(message: string) {
    super(message, '0x3', { status: '0x3', statusName: 'InvalidFormat' });
  }
}

/** A signature that is malformed, high-S, or does not recover to a public key. */
export class FiscoInvalidSignatureError extends ChainError {
  override name = 'FiscoInvalidSignatureError';
  constructor(message: string) {
    super(message, '0x5', { status: '0x5', statusName: 'InvalidSignature' });
  }
}

/** The node answered with a JSON-RPC error object. */
export class FiscoRpcError extends ChainRejectedError {
  override name = 'FiscoRpcError';
  readonly rpcCode: number;
  readonly rpcMessage: string;
  constructor(code: number, message: string, data?: unknown) {
    super(`FISCO BCOS RPC error ${code}: ${firstLine(message)}`, code, { rpcMessage: message, data });
    this.rpcCode = code;
    this.rpcMessage = message;
  }
}

/**
 * The node's transaction pool refused a transaction (nonce reused, block limit, chain or group
 * id, signature ...). Over JSON-RPC a FISCO BCOS 2.x node reports this as -32603 with the
 * refusal reason in the message; `status` is the matching transaction status code.
 */
export class FiscoTransactionRefusedError extends FiscoRpcError {
  override name = 'FiscoTransactionRefusedError';
  readonly status: string;
  readonly statusName: string;
  constructor(code: number, message: string, status: string, data?: unknown) {
    super(code, message, data);
    this.status = status;
    this.statusName = transactionStatusName(status);
    this.details.status = status;
    this.details.statusName = this.statusName;
    this.message = `transaction refused (${this.statusName}, status ${status}): ${refusalReason(message)}`;
  }
}

/** A call or transaction executed and failed; `status` is the receipt status (0x16 revert). */
export class FiscoExecutionError extends ChainRevertError {
  override name = 'FiscoExecutionError';
  readonly status: string;
  readonly statusName: string;
  /** Decoded `Error(string)` / `Panic(uint256)` reason, when the output carries one. */
  readonly reason: string | undefined;
  readonly output: string;
  constructor(status: string, output: string, reason: string | undefined, txHash?: string) {
    const statusName = transactionStatusName(status);
    super(
      reason === undefined
        ? `execution failed: ${statusName} (status ${status})`
        : `execution reverted: ${reason} (status ${status})`,
      status,
      { status, statusName, output, reason, txHash },
    );
    this.status = status;
    this.statusName = statusName;
    this.reason = reason;
    this.output = output;
  }
}

/** A receipt did not appear in time; the transaction may still be committed later. */
export class FiscoReceiptTimeoutError extends ChainTimeoutError {
  override name = 'FiscoReceiptTimeoutError';
  readonly txHash: string;
  constructor(txHash: string, waitedMs: number) {
    super(`no receipt for ${txHash} after ${waitedMs} ms`, 'receipt-timeout', { txHash, waitedMs });
    this.txHash = txHash;
  }
}

/** The node could not be reached, or answered with something that is not JSON-RPC. */
export class FiscoUnavailableError extends ChainUnavailableError {
  override name = 'FiscoUnavailableError';
  constructor(message: string, code: number | string = 'unreachable', details: Record<string, unknown> = {}) {
    super(message, code, details);
  }
}

/** A signed transaction does not belong to the chain, group or resource it was submitted for. */
export class FiscoTransactionMismatchError extends ChainRejectedError {
  override name = 'FiscoTransactionMismatchError';
  constructor(message: string, details: Record<string, unknown>) {
    super(message, 'mismatch', details);
  }
}

/** Evidence a node gave does not check out; the chain itself did not vouch for the claim. */
export class FiscoEvidenceError extends ChainError {
  override name = 'FiscoEvidenceError';
}

/** A header's fields do not hash to the hash it was reported (or signed) under. */
export class FiscoHeaderHashError extends FiscoEvidenceError {
  override name = 'FiscoHeaderHashError';
  constructor(number: string, computed: string, reported: string) {
    super(`block ${number}: header hashes to ${computed}, not ${reported}`, 'header-hash', {
      number,
      computed,
      reported,
    });
  }
}

/** Fewer distinct sealers of the trusted set signed a header than PBFT's quorum N − f. */
export class FiscoQuorumError extends FiscoEvidenceError {
  override name = 'FiscoQuorumError';
  constructor(number: string, signers: number, quorum: number) {
    super(`block ${number}: ${signers} valid sealer signatures, quorum is ${quorum}`, 'quorum', {
      number,
      signers,
      quorum,
    });
  }
}

/** A Merkle proof is malformed, does not fold to the header's root, or proves another item. */
export class FiscoProofError extends FiscoEvidenceError {
  override name = 'FiscoProofError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message, 'proof', details);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Real nodes put the reason after `[dev::tag_comment*] = `; keep it, drop the C++ boilerplate. */
function refusalReason(message: string): string {
  const match = /\[dev::tag_comment\*\] = (.*)/.exec(message);
  return match?.[1]?.trim() ?? firstLine(message);
}
