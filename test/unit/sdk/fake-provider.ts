/**
 * A stand-in for the wallet's provider, for the SDK's unit tests: it records every request,
 * answers each method with a function the test sets (a thrown `{ code, message, data }` is the
 * rejection), and emits events to `on` listeners when the test says so.
 */
import type { Eip1193Provider } from '../../../sdk/types.ts';

export interface Asked {
  method: string;
  params?: unknown;
}

type Answer = (params: unknown) => unknown;

export class FakeProvider implements Eip1193Provider {
  readonly asked: Asked[] = [];
  readonly #answers = new Map<string, Answer>();
  readonly #listeners = new Map<string, Set<(data: unknown) => void>>();

  /** How the wallet answers `method` from now on. */
  answer(method: string, answer: Answer): this {
    this.#answers.set(method, answer);
    return this;
  }

  async request(args: { method: string; params?: unknown }): Promise<unknown> {
    this.asked.push(structuredClone(args));
    const answer = this.#answers.get(args.method);
    if (!answer) throw { code: 4200, message: `unsupported method: ${args.method}` };
    return answer(args.params);
  }

  on(event: string, listener: (data: unknown) => void): this {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener);
    this.#listeners.set(event, set);
    return this;
  }

  removeListener(event: string, listener: (data: unknown) => void): this {
    this.#listeners.get(event)?.delete(listener);
    return this;
  }

  /** An event from the wallet to the page. */
  emit(event: string, data: unknown): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(data);
  }

  listenerCount(event: string): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}

/** Two chains of a network, as the wallet names them. */
export const FISCO = 'fisco:249f59e00beac8424a7821c4750fdd70';
export const FABRIC = 'fabric:c4a1491ab9a62e9125b3cbab3a782ea1';
export const ADDRESS = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

/** `wallet_getSession`'s answer for a session on both chains. */
export function sessionAnswer() {
  return {
    sessionScopes: {
      [FISCO]: {
        methods: ['fisco_call', 'fisco_sendTransaction'],
        notifications: ['fisco_subscription'],
        accounts: [`${FISCO}:${ADDRESS}`],
      },
      [FABRIC]: {
        methods: ['fabric_call'],
        notifications: ['fabric_subscription'],
        accounts: [`${FABRIC}:Org1MSP.${'ab'.repeat(32)}`],
      },
      wallet: { methods: ['weft_sendCrossChainTransaction'], notifications: [], accounts: [] },
    },
    scopedProperties: {
      [FISCO]: { resources: ['payment.bcos.asset', 'payment.bcos.records'] },
      [FABRIC]: { resources: ['trade.fab.asset'] },
    },
  };
}
