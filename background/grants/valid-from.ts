/**
 * A new grant's `notBefore`. The verifiers compare it with their own clock: a router with
 * the system clock, Fabric chaincode with the transaction's timestamp, but a FISCO BCOS
 * contract with the latest block's time, and FISCO BCOS seals blocks only when there are
 * transactions, so on a quiet chain that time lags behind. A grant must work at once, so on
 * FISCO BCOS it starts no later than the latest block (nothing is widened: it did not exist
 * before it was signed); elsewhere a little before now covers clocks running slightly behind.
 */
import type { LightClient } from '../../p2p/client/light-client.ts';
import type { ResourceEntry } from '../../p2p/protocol/messages.ts';

export const CLOCK_SKEW_SECONDS = 30;
/** A block timestamp above this is in milliseconds (a real FISCO BCOS 2.x node), as Records.sol decides. */
const MILLISECONDS_FROM = 1_000_000_000_000;

export async function grantValidFrom(
  client: LightClient,
  resource: ResourceEntry,
  nowSeconds: number,
): Promise<number> {
  const validFrom = nowSeconds - CLOCK_SKEW_SECONDS;
  if (resource.chain.type !== 'fisco-bcos') return validFrom;
  const info = await client.chainInfo(resource.path);
  const block = await client.getBlock(resource.path, info.blockNumber);
  if (!block) return validFrom;
  const blockSeconds =
    block.timestamp > MILLISECONDS_FROM ? Math.floor(block.timestamp / 1000) : block.timestamp;
  return Math.min(validFrom, blockSeconds);
}
