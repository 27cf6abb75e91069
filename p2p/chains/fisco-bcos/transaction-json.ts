/**
 * Rebuilds a signed transaction from the JSON a 2.x node reports (getTransactionByHash and the
 * proof RPCs), so its hash is recomputed rather than taken from the node's word. ECDSA JSON
 * carries `v` as the recovery id (the RLP has recid + 27); SM2 JSON carries the public key.
 */
import type { Hex } from '../connector.ts';
import { fromHex, integerBytes } from './bytes.ts';
import { ecdsaScheme } from './ecdsa.ts';
import { FiscoProofError } from './errors.ts';
import type { FiscoTransaction } from './rpc-types.ts';
import type { SignatureScheme } from './signature-scheme.ts';
import { encodeSigned, type FiscoTransactionFields } from './transaction.ts';

function field(tx: FiscoTransaction, name: string, value: string | null | undefined): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value))
    throw new FiscoProofError(`transaction ${tx.hash}: ${name} missing or not 0x hex`);
  return value;
}

const big = (hex: string) => (hex === '0x' ? 0n : BigInt(hex));

export function transactionRawFromJson(
  tx: FiscoTransaction,
  scheme: SignatureScheme = ecdsaScheme,
): Uint8Array {
  const sig = tx.signature;
  if (!sig) throw new FiscoProofError(`transaction ${tx.hash}: no signature fields to rebuild it from`);
  const to = field(tx, 'to', tx.to);
  const fields: FiscoTransactionFields = {
    randomid: big(field(tx, 'nonce', tx.nonce)),
    gasPrice: big(field(tx, 'gasPrice', tx.gasPrice)),
    gasLimit: big(field(tx, 'gas', tx.gas)),
    blockLimit: big(field(tx, 'blockLimit', tx.blockLimit)),
    // A deployment shows `to` as the zero address; its RLP has an empty `to`.
    to: /^0x0{40}$/.test(to) ? null : to.toLowerCase(),
    value: big(field(tx, 'value', tx.value)),
    data: field(tx, 'input', tx.input) as Hex,
    chainId: big(field(tx, 'chainId', tx.chainId)),
    groupId: big(field(tx, 'groupId', tx.groupId)),
    extraData: field(tx, 'extraData', tx.extraData) as Hex,
  };
  const v = field(tx, 'signature.v', sig.v);
  const signature = {
    v: scheme.name === 'sm2-sm3' ? fromHex(v) : ecdsaV(big(v)),
    r: integerBytes(big(field(tx, 'signature.r', sig.r))),
    s: integerBytes(big(field(tx, 'signature.s', sig.s))),
  };
  return encodeSigned(fields, signature);
}

/** The transaction hash recomputed from the reported fields. */
export function transactionHashFromJson(
  tx: FiscoTransaction,
  scheme: SignatureScheme = ecdsaScheme,
): Uint8Array {
  return scheme.hash(transactionRawFromJson(tx, scheme));
}

/** JSON shows the recovery id (0 or 1); some SDKs print it as 27/28 already. */
function ecdsaV(v: bigint): Uint8Array {
  if (v === 0n || v === 1n) return Uint8Array.of(27 + Number(v));
  if (v === 27n || v === 28n) return Uint8Array.of(Number(v));
  throw new FiscoProofError(`ECDSA signature v must be a recovery id, got ${v}`);
}
