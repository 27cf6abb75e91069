/**
 * CAIP-2 ids of the chains the wallet reaches, derived from its trust anchors
 * (docs/trust-model.md): a FISCO BCOS group's id from the genesis hash its anchor was checked
 * against, a Fabric channel's from its anchored config block when that block is the channel's
 * block 0 (docs/namespaces/). The routers name chains `zone.chain`; these ids name them the way
 * every wallet does, whatever the routers call them.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type ChainId, fabricChainId, fiscoChainId } from '../../../content/caip-ids.ts';
import { type ChainProfile, chainKeyOf } from '../../../p2p/chains/chain-profile.ts';
import type { ChainBlock } from '../../../p2p/chains/connector.ts';
import { decodeBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash } from '../../../p2p/chains/fabric/block-hash.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { WalletEvents } from '../../events.ts';
import type { StoredAnchor } from '../../trust/anchor-store.ts';

/** What resolving ids needs of the wallet: its anchors (taken on first use) and its routers. */
export interface ChainIdSources {
  trust: { anchor(path: string): Promise<StoredAnchor> };
  routers: {
    resources(): Promise<ResourceEntry[]>;
    client(): { getBlock(path: string, number: bigint): Promise<ChainBlock | null> };
  };
  events: WalletEvents;
}

/** A chain whose id cannot be derived (no block 0 to be had). */
export class ChainIdUnavailableError extends Error {
  override name = 'ChainIdUnavailableError';
}

/**
 * The id of an anchored chain, or null when the anchor cannot say: a Fabric anchor that followed
 * the channel past its first config block holds a later config block, whose hash is not block 0's.
 */
export function chainIdOfProfile(profile: ChainProfile): ChainId | null {
  if (profile.type === 'fisco-bcos') return fiscoChainId(profile.genesisHash);
  const block = decodeBlock(hexToBytes(profile.configBlock.replace(/^0x/, '')));
  if (block.number !== 0n) return null;
  return fabricChainId(bytesToHex(blockHeaderHash(block.number, block.previousHash, block.dataHash)));
}

/** One chain the routers reach: its id, the routers' name for it and its resources. */
export interface ServedChain {
  chainId: ChainId;
  /** `zone.chain`, as the routers name it (two names may reach one chain). */
  chainKeys: string[];
  paths: string[];
}

export class ChainIds {
  readonly #sources: ChainIdSources;
  /** By `zone.chain`: one resolution at a time, kept until the chain's anchor changes. */
  readonly #byChain = new Map<string, Promise<ChainId>>();

  constructor(sources: ChainIdSources) {
    this.#sources = sources;
    sources.events.on('anchors:changed', ({ chain }) => this.#byChain.delete(chain));
  }

  /** The id of the chain behind `path`; takes the chain's anchor on first use, as any use of it would. */
  of(path: string): Promise<ChainId> {
    const chain = chainKeyOf(path);
    let resolving = this.#byChain.get(chain);
    if (!resolving) {
      resolving = this.#resolve(path);
      this.#byChain.set(chain, resolving);
      // A failure (no router, a refused anchor) is not remembered: the next use tries again.
      resolving.catch(() => {
        if (this.#byChain.get(chain) === resolving) this.#byChain.delete(chain);
      });
    }
    return resolving;
  }

  /** Every chain the routers reach now, by id; a chain whose id cannot be had now is left out. */
  async served(): Promise<Map<ChainId, ServedChain>> {
    const entries = await this.#sources.routers.resources();
    const byKey = new Map<string, string[]>();
    for (const entry of entries) {
      const key = chainKeyOf(entry.path);
      byKey.set(key, [...(byKey.get(key) ?? []), entry.path]);
    }
    const served = new Map<ChainId, ServedChain>();
    await Promise.all(
      [...byKey].map(async ([key, paths]) => {
        let chainId: ChainId;
        try {
          chainId = await this.of(paths[0] as string);
        } catch {
          return;
        }
        const known = served.get(chainId) ?? { chainId, chainKeys: [], paths: [] };
        known.chainKeys.push(key);
        known.paths.push(...paths);
        served.set(chainId, known);
      }),
    );
    for (const chain of served.values()) {
      chain.chainKeys.sort();
      chain.paths.sort();
    }
    return served;
  }

  async #resolve(path: string): Promise<ChainId> {
    const anchor = await this.#sources.trust.anchor(path);
    const fromAnchor = chainIdOfProfile(anchor.profile);
    if (fromAnchor) return fromAnchor;
    // Past the channel's first config block the anchor no longer holds block 0: its hash is the
    // routers' word here. It only names the chain; what is trusted is still checked against the
    // anchor (docs/namespaces/fabric.md, "Resolution").
    const block = await this.#sources.routers.client().getBlock(path, 0n);
    if (!block || BigInt(block.number) !== 0n) {
      throw new ChainIdUnavailableError(`the routers have no block 0 of ${chainKeyOf(path)}`);
    }
    return fabricChainId(block.hash);
  }
}
