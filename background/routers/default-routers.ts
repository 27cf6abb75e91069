/**
 * The router list a build ships with (`WEFT_DEFAULT_ROUTERS` at build time, see vite.config.ts),
 * and which list the wallet uses: the user's saved list once there is one, else the build's.
 * `npm start` builds with the local network's routers, so a new wallet connects with nothing pasted;
 * a build made without the variable ships none and the user enters one.
 */
import { parseRouterAddress } from '../../p2p/client/router-address.ts';

export class DefaultRoutersError extends Error {
  override name = 'DefaultRoutersError';
}

/**
 * Parses the build's default list: router multiaddrs separated by commas or whitespace, each one an
 * address the light client would dial (WebSocket, `/p2p/<peer id>`, plain ws only to loopback).
 * Duplicates are dropped, order kept (the light client tries them in order). Throws a
 * `DefaultRoutersError` naming every bad address, so a bad variable fails the build, not the wallet.
 */
export function parseDefaultRouters(raw: string | undefined, source = 'WEFT_DEFAULT_ROUTERS'): string[] {
  const addresses = [...new Set((raw ?? '').split(/[\s,]+/).filter(Boolean))];
  const problems: string[] = [];
  for (const address of addresses) {
    try {
      parseRouterAddress(address);
    } catch (error) {
      problems.push(`  ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new DefaultRoutersError(
      `${source} holds ${problems.length === 1 ? 'a bad router address' : `${problems.length} bad router addresses`} ` +
        `(expected WebSocket multiaddrs such as /ip4/127.0.0.1/tcp/4106/ws/p2p/<peer id>, separated by commas or spaces):\n` +
        problems.join('\n'),
    );
  }
  return addresses;
}

/** Where the wallet's router list comes from: the user's saved list, or the build's defaults when none was saved. */
export type RouterListSource = 'saved' | 'default';

/**
 * The list to use given what `storage.local` holds under the routers key. Anything but an array
 * means the user never saved a list (a fresh install): the defaults apply. A saved list wins even
 * when empty: the user cleared it on purpose.
 */
export function chooseRouterList(
  saved: unknown,
  defaults: readonly string[],
): { routers: string[]; source: RouterListSource } {
  if (Array.isArray(saved)) {
    return { routers: saved.filter((r): r is string => typeof r === 'string'), source: 'saved' };
  }
  return { routers: [...defaults], source: 'default' };
}
