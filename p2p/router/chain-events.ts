/**
 * Where a router part takes a chain's events from. The router passes its shared upstreams
 * (subscriptions.ts), so the TTM watcher, revocation watches and wallets' subscriptions to one path
 * cost the chain node one poll; alone (tests, benchmarks) a part asks the connector itself.
 */
import type { ChainConnector, ResourceEventRecord } from '../chains/connector.ts';

export type ChainEvents = (
  connector: ChainConnector,
  path: string,
  options: { signal: AbortSignal },
) => AsyncIterable<ResourceEventRecord>;

/** The connector's own event stream, one per caller. */
export const connectorEvents: ChainEvents = (connector, path, options) => {
  if (!connector.events) throw new TypeError(`${connector.chain.type} chains publish no events`);
  return connector.events(path, options);
};
