/**
 * The chain profiles of the chains a router config fronts (`weft-router profile`): what the
 * chains' operators publish for wallets to anchor their trust in (docs/trust-model.md). Read from
 * the chains themselves; no libp2p involved.
 */
import type { ChainProfile } from '../chains/chain-profile.ts';
import type { ChainConnector } from '../chains/connector.ts';
import { connectorsFromConfig } from './chain-connectors.ts';
import type { RouterConfig } from './config.ts';

/** A chain whose profile could not be read (unreachable, or it answered nonsense). */
export class ChainProfileError extends Error {
  override name = 'ChainProfileError';
  readonly chain: string;
  constructor(chain: string, cause: unknown) {
    super(`cannot read the profile of ${chain}: ${(cause as Error).message ?? String(cause)}`, { cause });
    this.chain = chain;
  }
}

/** `{ "<zone>.<chain>": profile }` for each chain in `config`; throws `ChainProfileError` for the first that fails. */
export async function readChainProfiles(
  config: RouterConfig,
  connectors: ChainConnector[] = connectorsFromConfig(config),
): Promise<Record<string, ChainProfile>> {
  const profiles: Record<string, ChainProfile> = {};
  try {
    const read = config.chains.map(async (chain, i) => {
      const key = `${config.zone}.${chain.name}`;
      const connector = connectors[i] as ChainConnector;
      try {
        if (!connector.profile) throw new Error(`${chain.type} connectors publish no profile`);
        return [key, await connector.profile()] as const;
      } catch (error) {
        throw new ChainProfileError(key, error);
      }
    });
    for (const [key, profile] of await Promise.all(read)) profiles[key] = profile;
  } finally {
    await Promise.all(connectors.map((c) => c.close().catch(() => {})));
  }
  return profiles;
}
