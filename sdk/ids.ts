/**
 * The little of CAIP-2 / CAIP-10 the SDK reads (content/caip-ids.ts has the full encoders; the SDK
 * keeps its bundle free of wallet code, so it carries these few lines itself).
 */
import type { ChainId, ChainNamespace } from '../content/caip-ids.ts';

/** The `wallet` scope (CAIP-217): methods not bound to one chain. */
export const WALLET_SCOPE = 'wallet';

/** Whether `scope` is a chain of Weft's namespaces (`fisco:<ref>`, `fabric:<ref>`). */
export function isChainScope(scope: string): scope is ChainId {
  return /^(fisco|fabric):[-_a-zA-Z0-9]{1,32}$/.test(scope);
}

/** `fisco` of `fisco:249f…`. */
export function namespaceOf(chainId: ChainId): ChainNamespace {
  return chainId.startsWith('fabric:') ? 'fabric' : 'fisco';
}

/** The address part of a CAIP-10 account (`fisco:<ref>:0xabc…` -> `0xabc…`). */
export function accountAddress(account: string): string {
  return account.slice(account.lastIndexOf(':') + 1);
}

/** The chain id part of a CAIP-10 account. */
export function accountChain(account: string): string {
  return account.slice(0, account.lastIndexOf(':'));
}
