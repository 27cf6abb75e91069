/**
 * The lying entry router of the trust tests: everything the wallet hears comes through its one
 * client, so a client whose `request()` lets a test rewrite, drop or invent the answer to any
 * operation plays a router that relays what it likes and says what it likes. The router behind
 * it is a real one in front of a real devnode or devpeer: the truth is there to compare with.
 */
import { WalletEvents } from '../../../background/events.ts';
import { AnchorStore } from '../../../background/trust/anchor-store.ts';
import { ChainTrust, type ChainTrustOptions } from '../../../background/trust/chain-trust.ts';
import type { ChainConnector } from '../../../p2p/chains/connector.ts';
import { LightClient } from '../../../p2p/client/light-client.ts';
import type { RequestBody, ResultOf } from '../../../p2p/protocol/messages.ts';
import { MemoryStorageArea } from '../../unit/vault/memory-storage.ts';
import { routerFor } from '../asset-chain/wallet.ts';

/** What the router says instead of the truth; `honest()` fetches the truth (relaying the request). */
export type Lie<Op extends RequestBody['op'] = RequestBody['op']> = (
  body: Extract<RequestBody, { op: Op }>,
  honest: () => Promise<ResultOf[Op]>,
) => Promise<ResultOf[Op]>;

export class LyingClient extends LightClient {
  readonly #lies = new Map<string, Lie<never>>();
  /** Every operation the wallet asked, in order. */
  readonly asked: RequestBody[] = [];

  /** From now on answers `op` with `lie` (until `truth`). */
  lie<Op extends RequestBody['op']>(op: Op, lie: Lie<Op>): void {
    this.#lies.set(op, lie as unknown as Lie<never>);
  }

  /** Back to relaying honestly: `op`, or every operation. */
  truth(op?: RequestBody['op']): void {
    if (op) this.#lies.delete(op);
    else this.#lies.clear();
  }

  override async request<B extends RequestBody>(
    body: B,
    options: { timeoutMs?: number } = {},
  ): Promise<ResultOf[B['op']]> {
    this.asked.push(body);
    const honest = () => super.request(body, options);
    const lie = this.#lies.get(body.op) as Lie<B['op']> | undefined;
    return lie ? lie(body as never, honest as never) : honest();
  }
}

/** One real router fronting `connector`, reached by the wallet only through a LyingClient. */
export function lyingRouterFor(
  zone: string,
  connector: ChainConnector,
): Promise<{ client: LyingClient; close(): Promise<void> }> {
  return routerFor(zone, connector, (address) => new LyingClient({ routers: [address] }));
}

/**
 * A fresh wallet trust over `client` (anchors in memory, taken on first use). Evidence that
 * never comes is given up on after `evidenceWaitMs` (short: the tests wait it out often).
 */
export function freshTrust(
  client: LightClient,
  options: Partial<Omit<ChainTrustOptions, 'client' | 'anchors'>> = {},
): ChainTrust {
  return new ChainTrust({
    anchors: new AnchorStore(new MemoryStorageArea(), new WalletEvents()),
    client: () => client,
    evidenceWaitMs: 700,
    ...options,
  });
}

/** Deep copy of a JSON-like answer (bigints kept), to tamper with without touching the truth. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
