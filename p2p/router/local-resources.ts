/** The resources this router fronts: which connector answers each path, and their signed adverts. */
import type { PrivateKey } from '@libp2p/interface';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { ChainConnector } from '../chains/connector.ts';
import { type SignedResource, signResource } from '../protocol/advert-signature.ts';

/** Path -> the connector of the chain that fronts it. */
export function localChains(connectors: ChainConnector[]): Map<string, ChainConnector> {
  const chains = new Map<string, ChainConnector>();
  for (const connector of connectors) {
    for (const description of connector.resources()) chains.set(description.path, connector);
  }
  return chains;
}

/**
 * Every resource the connectors front, signed by this router at `issued` with the `addresses` a
 * wallet can dial it at. Signed once at start: what a router fronts and where it listens are fixed
 * by its config until it restarts.
 */
export function signLocalResources(
  privateKey: PrivateKey,
  self: string,
  connectors: ChainConnector[],
  issued: number,
  addresses: string[] = [],
): Promise<SignedResource[]> {
  return Promise.all(
    connectors.flatMap((c) => c.resources()).map((d) => signResource(privateKey, self, d, issued, addresses)),
  );
}

export class AnnounceAddressError extends Error {
  override name = 'AnnounceAddressError';
}

/**
 * The addresses this router's adverts name for wallets: `announce` from the config, else its
 * WebSocket listen addresses, each ending in `/p2p/<self>` (added when missing; an address naming
 * another peer is a config error).
 */
export function dialableAddresses(
  announce: readonly string[] | undefined,
  listening: readonly Multiaddr[],
  self: string,
): string[] {
  const candidates =
    announce?.map((a) => multiaddr(a)) ??
    listening.filter((a) => a.getComponents().some((c) => c.name === 'ws' || c.name === 'wss'));
  const addresses = candidates.map((address) => {
    const named = address.getComponents().find((c) => c.name === 'p2p')?.value;
    if (named === undefined) return `${address.toString()}/p2p/${self}`;
    if (named !== self)
      throw new AnnounceAddressError(`announce: ${address} names another router (${named})`);
    return address.toString();
  });
  return [...new Set(addresses)];
}

/** The zones of `paths` (their first part). */
export function zonesOf(paths: Iterable<string>): string[] {
  return [...new Set([...paths].map((path) => path.split('.')[0] ?? ''))];
}
