/**
 * Which router addresses a light client may dial: WebSockets only, with the router's
 * peer id, and plain `ws://` only to a loopback host (a local network); any other
 * host must use `wss://`.
 */
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';

export class RouterAddressError extends Error {
  override name = 'RouterAddressError';
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function parseRouterAddress(address: string): Multiaddr {
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
  } catch (error) {
    throw new RouterAddressError(`${address} is not a multiaddr: ${(error as Error).message}`);
  }
  const components = ma.getComponents();
  const host = components[0]?.value ?? '';
  const names = components.map((c) => c.name);
  if (!names.includes('p2p')) throw new RouterAddressError(`${address} must end with /p2p/<router peer id>`);
  if (names.includes('wss') || (names.includes('tls') && names.includes('ws'))) return ma;
  if (names.includes('ws')) {
    if (isLoopbackAddress(ma)) return ma;
    throw new RouterAddressError(
      `${address}: plain ws:// is only allowed to a loopback host, use wss:// for ${host}`,
    );
  }
  throw new RouterAddressError(`${address} is not a WebSocket address (/ws or /wss)`);
}

export function isLoopbackAddress(ma: Multiaddr): boolean {
  const first = ma.getComponents()[0];
  return first !== undefined && LOOPBACK.test(first.value ?? '');
}

/** libp2p connection gater rule: refuse plain ws:// to anything but loopback. */
export function denyInsecureDial(ma: Multiaddr): boolean {
  const names = ma.getComponents().map((c) => c.name);
  const secure = names.includes('wss') || names.includes('tls');
  return !secure && !isLoopbackAddress(ma);
}
