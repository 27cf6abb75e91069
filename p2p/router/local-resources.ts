/** The resources this router fronts: which connector answers each path, and their signed adverts. */
import type { PrivateKey } from '@libp2p/interface';
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
 * Every resource the connectors front, signed by this router at `issued`. Signed once at start:
 * what a router fronts is fixed by its config until it restarts.
 */
export function signLocalResources(
  privateKey: PrivateKey,
  self: string,
  connectors: ChainConnector[],
  issued: number,
): Promise<SignedResource[]> {
  return Promise.all(
    connectors.flatMap((c) => c.resources()).map((d) => signResource(privateKey, self, d, issued)),
  );
}

/** The zones of `paths` (their first part). */
export function zonesOf(paths: Iterable<string>): string[] {
  return [...new Set([...paths].map((path) => path.split('.')[0] ?? ''))];
}
