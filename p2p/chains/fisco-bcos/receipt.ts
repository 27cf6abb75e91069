/**
 * FISCO BCOS 2.x receipt RLP, as TransactionReceipt::streamRLP writes it:
 * `[root, gasUsed, contractAddress, logsBloom, status, output, (remainGas,) logs]`, each log
 * `[address, [topics...], data]`. Nodes from 2.9 on add `remainGas` after `output`; the receipts
 * root commits to this encoding, so a verifier must know which version produced it.
 */
import { fromHex, integerBytes } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoProofError } from './errors.ts';
import { merkleLeaf } from './merkle.ts';
import { encodeRlp, type RlpItem } from './rlp-encode.ts';
import type { FiscoReceipt } from './rpc-types.ts';
import type { SignatureScheme } from './signature-scheme.ts';

/** The receipt fields its RLP covers (blockHash, from, to, input ... are not hashed). */
export type FiscoReceiptFields = Pick<
  FiscoReceipt,
  'root' | 'gasUsed' | 'contractAddress' | 'logsBloom' | 'status' | 'output' | 'logs' | 'remainGas'
>;

/** Whether a node of this version (`FISCO-BCOS Version`, e.g. "2.9.1") puts remainGas in the RLP. */
export function receiptHasRemainGas(nodeVersion: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(nodeVersion.trim());
  if (!match) throw new FiscoProofError(`not a FISCO BCOS version: ${nodeVersion}`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 9);
}

function integer(name: string, value: string | undefined): Uint8Array {
  if (value === undefined || !/^0x[0-9a-fA-F]+$/.test(value))
    throw new FiscoProofError(`receipt ${name} must be 0x hex, got ${String(value)}`);
  return integerBytes(BigInt(value));
}

function bytes(name: string, value: string | undefined): Uint8Array {
  try {
    return fromHex(value ?? '');
  } catch {
    throw new FiscoProofError(`receipt ${name} must be 0x hex`);
  }
}

export function encodeReceipt(receipt: FiscoReceiptFields, withRemainGas: boolean): Uint8Array {
  const logs: RlpItem[] = receipt.logs.map((log) => [
    bytes('log address', log.address),
    log.topics.map((t) => bytes('log topic', t)),
    bytes('log data', log.data),
  ]);
  return encodeRlp([
    bytes('root', receipt.root),
    integer('gasUsed', receipt.gasUsed),
    bytes('contractAddress', receipt.contractAddress),
    bytes('logsBloom', receipt.logsBloom),
    integer('status', receipt.status),
    bytes('output', receipt.output),
    ...(withRemainGas ? [integer('remainGas', receipt.remainGas)] : []),
    logs,
  ]);
}

/** The receipt's leaf in its block's receipts tree: `rlp(index) ‖ H(rlp(receipt))`. */
export function receiptLeaf(
  receipt: FiscoReceiptFields,
  index: number,
  withRemainGas: boolean,
  scheme: SignatureScheme = ecdsaScheme,
): Uint8Array {
  return merkleLeaf(index, scheme.hash(encodeReceipt(receipt, withRemainGas)));
}
