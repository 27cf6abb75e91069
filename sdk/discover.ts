/**
 * Finding wallets. CAIP-294 first: dispatch `caip294:wallet_prompt`, collect the
 * `caip294:wallet_announce` answers (a wallet found this way is spoken to over its
 * `caip294:<uuid>` channel). Weft's own event, `weft:requestProvider` / `weft:announceProvider`,
 * is the fallback: a wallet only that event announces is used through the provider object it
 * hands over. Weft answers a prompt within about 2 s (it asks its worker for the chains it serves).
 */
import { channelProvider } from './channel.ts';
import type { Eip1193Provider, WalletData, WalletInfo } from './types.ts';

/** Weft's reverse-DNS name, in its announce. */
export const WEFT_RDNS = 'dev.weft.wallet';

export interface DiscoveredWallet {
  info: WalletInfo;
  /** What the SDK talks to: the CAIP-294 channel, or the announced provider object. */
  provider: Eip1193Provider;
  /** How it was found. */
  via: 'caip294' | 'weft:announceProvider';
}

export interface DiscoverOptions {
  /** How long to collect announces, in ms. Default 2500: Weft answers a prompt within 2 s. */
  timeoutMs?: number;
  /** CAIP-294 `params.chains`: only wallets serving one of these CAIP-2 ids answer. */
  chains?: string[];
  /** Where the events travel. Default: the page's window. */
  target?: EventTarget;
}

export interface FindWalletOptions extends DiscoverOptions {
  /** The wallet to find, by reverse-DNS name. Default Weft's. */
  rdns?: string;
}

const DEFAULT_TIMEOUT_MS = 2_500;

/** Every wallet that announced itself within `timeoutMs`. */
export function discover(options: DiscoverOptions = {}): Promise<DiscoveredWallet[]> {
  return new Promise((resolve) => {
    const watch = watchAnnounces(options, () => {});
    setTimeout(() => resolve(watch.stop()), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  });
}

/**
 * One wallet by `rdns` (Weft by default): as soon as it answers the CAIP-294 prompt, or, if it
 * only announced itself by Weft's own event, once `timeoutMs` passed. Null when none did.
 */
export function findWallet(options: FindWalletOptions = {}): Promise<DiscoveredWallet | null> {
  const rdns = options.rdns ?? WEFT_RDNS;
  return new Promise((resolve) => {
    let done = false;
    const finish = (wallet: DiscoveredWallet | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      watch.stop();
      resolve(wallet);
    };
    const watch = watchAnnounces(options, (wallet) => {
      // Deferred: a wallet may answer the prompt synchronously, before `watch` is assigned.
      if (wallet.via === 'caip294' && wallet.info.rdns === rdns) queueMicrotask(() => finish(wallet));
    });
    const timer = setTimeout(
      () => finish(watch.stop().find((w) => w.info.rdns === rdns) ?? null),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
  });
}

/**
 * Listens for both kinds of announce, asks for them, and keeps one entry per wallet (`uuid`; Weft
 * uses the same one in both events). `stop()` removes the listeners and returns what was found.
 */
function watchAnnounces(options: DiscoverOptions, onWallet: (wallet: DiscoveredWallet) => void) {
  const target = options.target ?? globalThis;
  const byChannel = new Map<string, WalletData>();
  const byEvent = new Map<string, { info: WalletData; provider: Eip1193Provider; version?: string }>();
  const channels = new Map<string, Eip1193Provider>();

  const entry = (uuid: string): DiscoveredWallet | null => {
    const caip = byChannel.get(uuid);
    const legacy = byEvent.get(uuid);
    const version = legacy?.version !== undefined ? { version: legacy.version } : {};
    if (caip) {
      let provider = channels.get(uuid);
      if (!provider) {
        provider = channelProvider(uuid, target);
        channels.set(uuid, provider);
      }
      return { info: { ...caip, ...version }, provider, via: 'caip294' };
    }
    if (legacy)
      return {
        info: { ...legacy.info, ...version },
        provider: legacy.provider,
        via: 'weft:announceProvider',
      };
    return null;
  };

  const onAnnounce = (event: Event) => {
    const data = walletData((event as CustomEvent<{ params?: unknown }>).detail?.params);
    if (!data) return;
    byChannel.set(data.uuid, data);
    const wallet = entry(data.uuid);
    if (wallet) onWallet(wallet);
  };
  const onLegacy = (event: Event) => {
    const detail = (event as CustomEvent<{ info?: unknown; provider?: unknown }>).detail;
    const info = walletData(detail?.info);
    const provider = detail?.provider as Partial<Eip1193Provider> & { version?: unknown };
    if (!info || typeof provider?.request !== 'function' || typeof provider.on !== 'function') return;
    byEvent.set(info.uuid, {
      info,
      provider: provider as Eip1193Provider,
      ...(typeof provider.version === 'string' ? { version: provider.version } : {}),
    });
    const wallet = entry(info.uuid);
    if (wallet) onWallet(wallet);
  };

  target.addEventListener('caip294:wallet_announce', onAnnounce);
  target.addEventListener('weft:announceProvider', onLegacy);
  const params = options.chains?.length ? { chains: options.chains } : {};
  target.dispatchEvent(
    new CustomEvent('caip294:wallet_prompt', {
      detail: { id: 1, jsonrpc: '2.0', method: 'wallet_prompt', params },
    }),
  );
  target.dispatchEvent(new Event('weft:requestProvider'));

  return {
    stop(): DiscoveredWallet[] {
      target.removeEventListener('caip294:wallet_announce', onAnnounce);
      target.removeEventListener('weft:announceProvider', onLegacy);
      const uuids = new Set([...byChannel.keys(), ...byEvent.keys()]);
      return [...uuids].map(entry).filter((w): w is DiscoveredWallet => w !== null);
    },
  };
}

/** CAIP-294 wallet data, checked: `uuid`, `name`, `icon`, `rdns` strings; the rest passed on. */
function walletData(value: unknown): WalletData | null {
  const data = value as Partial<WalletData> | null | undefined;
  if (typeof data !== 'object' || data === null) return null;
  const { uuid, name, icon, rdns } = data;
  if (![uuid, name, icon, rdns].every((field) => typeof field === 'string')) return null;
  return { ...data } as WalletData;
}
