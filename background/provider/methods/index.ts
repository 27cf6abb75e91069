import type { MethodTable } from '../handle-request.ts';
import { ping } from './ping.ts';
import { version } from './version.ts';

/** Every method a page may call, by name. Each lives in its own file. */
export function providerMethods(walletVersion: string): MethodTable {
  return {
    weft_ping: ping,
    weft_version: (params) => version(params, walletVersion),
  };
}
