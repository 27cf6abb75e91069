/**
 * A chain for router tests that must outwait it: its node never answers a call, and waits for a
 * receipt exactly as long as it is asked (then CHAIN_TIMEOUT). `close()` ends every wait.
 */
import type {
  ChainConnector,
  ChainInfo,
  ResourceDescription,
  SubmitRequest,
  TransactionReceipt,
} from '../../../p2p/chains/connector.ts';
import { ChainTimeoutError, UnknownResourceError } from '../../../p2p/chains/errors.ts';

export class SlowChain implements ChainConnector {
  readonly chain = { type: 'fisco-bcos', chainId: 1, groupId: 1 } as const;
  readonly description: ResourceDescription;
  /** The receipt waits the router asked of the chain. */
  readonly waits: (number | undefined)[] = [];
  /** Calls and submits the chain is working on now. */
  busy = 0;
  readonly #closing = new AbortController();

  constructor(path: string, abi?: unknown) {
    this.description = {
      path,
      chain: this.chain,
      address: '0x0000000000000000000000000000000000000001',
      methods: [{ name: 'get', kind: 'read', inputs: [], outputs: [] }],
      ...(abi === undefined ? {} : { abi }),
    };
  }

  resources() {
    return [this.description];
  }
  describe(resource: string) {
    if (resource !== this.description.path) throw new UnknownResourceError(resource);
    return this.description;
  }
  async info(): Promise<ChainInfo> {
    return { chain: this.chain, blockNumber: 1n };
  }
  call(): Promise<never> {
    this.busy++;
    return new Promise((_, reject) =>
      this.#closing.signal.addEventListener('abort', () => {
        this.busy--;
        reject(new Error('closed'));
      }),
    );
  }
  submit(request: SubmitRequest): Promise<TransactionReceipt> {
    this.waits.push(request.timeoutMs);
    this.busy++;
    const waitMs = request.timeoutMs ?? 30_000;
    return new Promise((_, reject) => {
      const fail = () => {
        this.busy--;
        reject(new ChainTimeoutError(`no receipt within ${waitMs} ms`, 'timeout'));
      };
      const timer = setTimeout(fail, waitMs);
      this.#closing.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        fail();
      });
    });
  }
  async blockNumber() {
    return 1n;
  }
  async getBlock() {
    return null;
  }
  async getTransaction() {
    return null;
  }
  async close() {
    this.#closing.abort();
  }
}
