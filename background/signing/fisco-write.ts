/**
 * A FISCO BCOS write signed in the wallet: RLP with the chain's ids and a `blockLimit`
 * just ahead of the current block, signed with one of the vault's accounts (the key is
 * zeroed once signed), relayed through the routers. What the router answers is not the
 * outcome: the receipt returned is rebuilt from the chain's evidence for the hash of the
 * transaction signed here (docs/trust-model.md), its events decoded with the resource's ABI.
 */
import type { ChainEvent, Hex } from '../../p2p/chains/connector.ts';
import { decodeEvent } from '../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../p2p/chains/fisco-bcos/transaction.ts';
import type { VerifiedFiscoExecution } from '../../p2p/chains/fisco-bcos/verify-execution.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { ChainTrust } from '../trust/chain-trust.ts';
import { EvidenceRefusedError, type Verification, type VerifiedReceipt } from '../trust/verification.ts';
import type { Vault } from '../vault/vault.ts';

/** Margin under FISCO BCOS's 1000-block window for `blockLimit`. */
const BLOCK_LIMIT_MARGIN = 500n;

export interface FiscoWrite {
  path: string;
  to: string;
  data: Hex;
  /** The resource's ABI, to name the receipt's events. */
  abi?: unknown;
}

export interface WriteOptions {
  /**
   * Relay the signed bytes through this many routers at once (TTM commits, claims and refunds:
   * 2). The first receipt verified wins; the chain keeps one transaction per hash.
   */
  paths?: number;
}

export async function submitFiscoWrite(
  client: LightClient,
  vault: Vault,
  trust: ChainTrust,
  account: number,
  write: FiscoWrite,
  options: WriteOptions = {},
): Promise<VerifiedReceipt> {
  const info = await client.chainInfo(write.path);
  if (info.chain.type !== 'fisco-bcos') throw new Error('the resource moved to another chain type');
  const anchor = await trust.anchor(write.path);
  if (anchor.profile.type !== 'fisco-bcos') throw new Error(`${anchor.chain} is not anchored as FISCO BCOS`);
  // The anchored ids, not the router's: a transaction for another chain could be replayed there.
  const fields = transactionFields({
    to: write.to,
    data: write.data,
    chainId: anchor.profile.chainId,
    groupId: anchor.profile.groupId,
    blockLimit: info.blockNumber + BLOCK_LIMIT_MARGIN,
  });
  const key = vault.privateKey(account);
  let signed: ReturnType<typeof signTransaction>;
  let sender: string;
  try {
    const signer = new EcdsaSigner(key);
    sender = signer.address;
    signed = signTransaction(fields, signer);
  } finally {
    key.fill(0);
  }
  // Signed once; the same bytes (one hash) may go through several routers, never a new signature.
  const relay = async (link: LightClient) => {
    try {
      await link.submit(write.path, signed.raw);
    } catch (error) {
      // Not relayed for sure, or gone: only what the chain shows now can say more.
      if (!(error instanceof HipError) || !MAY_HAVE_LANDED.has(error.code)) throw error;
      const landed = await trust.fiscoExecution(write.path, signed.hash, 0, sender, link).catch(() => null);
      if (!landed) throw error;
      return landed;
    }
    try {
      return await trust.fiscoExecution(write.path, signed.hash, undefined, sender, link);
    } catch (error) {
      // The router said it relayed the transaction: a chain that shows no receipt makes that a lie.
      throw error instanceof EvidenceRefusedError && error.blame === 'absent'
        ? new EvidenceRefusedError(error.path, error.reason, 'lie')
        : error;
    }
  };
  const { execution, verification } = await client.attempt(relay, {
    path: write.path,
    ...(options.paths ? { paths: options.paths } : {}),
  });
  return verifiedReceipt(execution, verification, write);
}

/** Failures after which the transaction may still be on the chain. */
const MAY_HAVE_LANDED: ReadonlySet<string> = new Set([
  HipErrorCode.chainTimeout,
  HipErrorCode.timeout,
  HipErrorCode.unreachable,
  HipErrorCode.chainReverted,
  HipErrorCode.chainError,
]);

/** The receipt as the chain's evidence has it. */
export function verifiedReceipt(
  execution: VerifiedFiscoExecution,
  verified: Verification,
  write: Pick<FiscoWrite, 'to' | 'abi'>,
): VerifiedReceipt {
  const events: ChainEvent[] = execution.logs
    .filter((log) => log.address.toLowerCase() === write.to.toLowerCase())
    .map((log) => {
      const decoded = write.abi ? decodeEvent(write.abi as never, log) : undefined;
      return {
        address: log.address,
        ...(decoded ? { name: decoded.name, args: decoded.args } : {}),
        topics: log.topics as Hex[],
        data: log.data as Hex,
      };
    });
  return {
    txId: execution.txHash,
    blockNumber: execution.blockNumber,
    status: execution.status,
    chainStatus: execution.chainStatus,
    output: execution.output,
    events,
    verified,
  };
}
