/**
 * Checks a Fabric block against a channel's trust (read from a config block): the data
 * hash, the chain to the previous header, the orderers' signatures satisfying
 * BlockValidation, LAST_CONFIG, and every transaction (see transaction-check.ts).
 * The order: what the orderer signed first, then what the transactions carry, then what
 * peers only claim (TRANSACTIONS_FILTER).
 */

import { equalBytes } from '@noble/curves/utils.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { type FabricBlock, LAST_CONFIG, SIGNATURES, TRANSACTIONS_FILTER } from './block-file.ts';
import { blockDataHash, blockHeaderBytes, blockHeaderHash } from './block-hash.ts';
import { type ChannelTrust, CONFIG } from './channel-config.ts';
import { BlockDecodeError, decodingAs, FabricEvidenceError } from './evidence-errors.ts';
import { decodeChannelHeader } from './header-codec.ts';
import type { ValidIdentity } from './msp.ts';
import { evaluatePolicy, type Policy } from './policy.ts';
import {
  bytesField,
  decodeFields,
  messageField,
  ProtobufDecodeError,
  repeatedBytes,
  varintField,
} from './protobuf-wire.ts';
import { verifySignature } from './signature-check.ts';
import { checkTransaction, refuseTransaction, type TransactionVerdict } from './transaction-check.ts';

export interface VerifyBlockOptions {
  /** Header hash of the block before, when the caller holds it: the chain is then checked. */
  previousHeaderHash?: Uint8Array;
  /** A chaincode's endorsement policy (from its definition); default /Channel/Application/Endorsement. */
  endorsementPolicy?: Policy | ((chaincode: string) => Policy | undefined);
  /**
   * Indexes of the transactions to check in full (default all): a wallet proving one
   * transaction's commit need not check the others' signatures. The others are still read for
   * their tx id, so an earlier duplicate still makes a checked transaction invalid.
   */
  transactions?: readonly number[];
}

export interface OrdererSignatureVerdict {
  mspId: string;
  ok: boolean;
  reason?: string;
}

export interface BlockVerdict {
  number: bigint;
  headerHash: Uint8Array;
  /** Every block-level check passed (transactions are judged one by one in `transactions`). */
  valid: boolean;
  /** Block-level failures, in check order. */
  problems: string[];
  /** True when this block is the channel's trust anchor (its header hash is the config block's). */
  anchor: boolean;
  ordererSignatures: OrdererSignatureVerdict[];
  /** The config block index the orderer signed into this block; null when there is none. */
  lastConfig: bigint | null;
  transactions: TransactionVerdict[];
}

interface SignatureMetadata {
  value: Uint8Array;
  signatures: Array<{ signatureHeader: Uint8Array; signature: Uint8Array; bft: boolean }>;
}

/** common.Metadata { value, signatures: MetadataSignature { signature_header, signature, identifier_header } }. */
function readSignatureMetadata(bytes: Uint8Array): SignatureMetadata {
  const metadata = decodeFields(bytes);
  return {
    value: bytesField(metadata, 1),
    signatures: repeatedBytes(metadata, 2).map((entry) => {
      const fields = decodeFields(entry);
      return { signatureHeader: bytesField(fields, 1), signature: bytesField(fields, 2), bft: fields.has(3) };
    }),
  };
}

/** OrdererBlockMetadata.last_config.index; before Fabric 2.0 it sat in metadata[LAST_CONFIG]. */
function readLastConfig(block: FabricBlock, signed: SignatureMetadata): bigint | null {
  const ordererMetadata = decodeFields(signed.value);
  if (ordererMetadata.has(1)) return varintField(messageField(ordererMetadata, 1), 1);
  const legacy = block.metadata[LAST_CONFIG];
  if (!legacy || legacy.length === 0) return null;
  return varintField(decodeFields(bytesField(decodeFields(legacy), 1)), 1);
}

function checkOrdererSignatures(
  block: FabricBlock,
  trust: ChannelTrust,
  signed: SignatureMetadata,
  verdict: BlockVerdict,
): void {
  const header = blockHeaderBytes(block.number, block.previousHash, block.dataHash);
  const signers: ValidIdentity[] = [];
  for (const { signatureHeader, signature, bft } of signed.signatures) {
    if (bft) {
      verdict.ordererSignatures.push({ mspId: '', ok: false, reason: 'BFT identifier header not supported' });
      continue;
    }
    let creator: Uint8Array;
    try {
      creator = bytesField(decodeFields(signatureHeader), 1);
    } catch (cause) {
      if (!(cause instanceof ProtobufDecodeError)) throw cause;
      verdict.ordererSignatures.push({ mspId: '', ok: false, reason: 'malformed signature header' });
      continue;
    }
    const check = verifySignature(
      { msps: trust.ordererMsps, roles: ['orderer'] },
      creator,
      concatBytes(signed.value, signatureHeader, header),
      signature,
    );
    if (check.ok) {
      signers.push(check.identity);
      verdict.ordererSignatures.push({ mspId: check.identity.mspId, ok: true });
    } else {
      verdict.ordererSignatures.push({ mspId: '', ok: false, reason: check.reason });
    }
  }
  if (!evaluatePolicy(trust.blockValidation, signers, trust.orderer)) {
    verdict.problems.push('orderer signatures do not satisfy BlockValidation');
  }
}

/** The tx id and type of an envelope not checked in full ('' and -1 when unreadable). */
function envelopeHeader(envelope: Uint8Array): { txId: string; type: number } {
  try {
    const payload = decodeFields(bytesField(decodeFields(envelope), 1));
    const header = decodeChannelHeader(bytesField(messageField(payload, 1), 1));
    return { txId: header.txId, type: header.type };
  } catch (cause) {
    if (!(cause instanceof ProtobufDecodeError || cause instanceof FabricEvidenceError)) throw cause;
    return { txId: '', type: -1 };
  }
}

/** Verifies `block` under `trust`; throws BlockDecodeError only when its metadata cannot be read. */
export function verifyBlock(
  block: FabricBlock,
  trust: ChannelTrust,
  options: VerifyBlockOptions = {},
): BlockVerdict {
  const headerHash = blockHeaderHash(block.number, block.previousHash, block.dataHash);
  const anchor = block.number === trust.configBlockNumber && equalBytes(headerHash, trust.configBlockHash);
  const verdict: BlockVerdict = {
    number: block.number,
    headerHash,
    valid: false,
    problems: [],
    anchor,
    ordererSignatures: [],
    lastConfig: null,
    transactions: [],
  };
  if (!equalBytes(blockDataHash(block.data), block.dataHash)) verdict.problems.push('data hash mismatch');
  if (options.previousHeaderHash && !equalBytes(options.previousHeaderHash, block.previousHash)) {
    verdict.problems.push('previous hash mismatch');
  }
  const signed = decodingAs(BlockDecodeError, 'SIGNATURES metadata', () =>
    readSignatureMetadata(block.metadata[SIGNATURES] ?? new Uint8Array(0)),
  );
  verdict.lastConfig = decodingAs(BlockDecodeError, 'last config', () => readLastConfig(block, signed));
  if (signed.signatures.length === 0 && anchor && block.number === 0n) {
    // The genesis block is unsigned; it is trusted because it is the anchor obtained out of band.
  } else {
    checkOrdererSignatures(block, trust, signed, verdict);
  }
  const filter = block.metadata[TRANSACTIONS_FILTER] ?? new Uint8Array(0);
  if (filter.length !== block.data.length) {
    verdict.problems.push(
      `TRANSACTIONS_FILTER has ${filter.length} codes for ${block.data.length} transactions`,
    );
  }
  const indexes = options.transactions ?? block.data.map((_, index) => index);
  verdict.transactions = indexes.map((index) => {
    const envelope = block.data[index];
    if (envelope === undefined) throw new RangeError(`block ${block.number} has no transaction ${index}`);
    return checkTransaction(envelope, index, filter[index] ?? 254, {
      trust,
      endorsementPolicy: options.endorsementPolicy,
      anchor,
    });
  });
  const checked = new Map(verdict.transactions.map((tx) => [tx.index, tx]));
  const headers = block.data.map((envelope, index) => {
    const tx = checked.get(index);
    return tx ? { txId: tx.txId, type: tx.type } : envelopeHeader(envelope);
  });
  // Fabric commits only the first of two transactions with one tx id (DUPLICATE_TXID);
  // duplicates across blocks need the ledger and are left to peers.
  for (const tx of verdict.transactions) {
    if (tx.txId === '') continue;
    if (headers.slice(0, tx.index).some((earlier) => earlier.txId === tx.txId))
      refuseTransaction(tx, 'duplicate tx id in this block');
  }
  // A config block names itself as the last config; any other block names the trust's config block
  // (else the caller's trust is stale: a config block came in between).
  const isConfigBlock = block.data.length === 1 && headers[0]?.type === CONFIG;
  const expected = isConfigBlock ? block.number : trust.configBlockNumber;
  if (!(anchor && block.number === 0n && verdict.lastConfig === null) && verdict.lastConfig !== expected) {
    verdict.problems.push(`LAST_CONFIG is ${verdict.lastConfig}, expected ${expected}`);
  }
  verdict.valid = verdict.problems.length === 0;
  return verdict;
}
