/** Requests from the popup to the worker (the popup is extension code, so no approval applies). */
import type { ResourceEntry } from '../p2p/protocol/messages.ts';
import type { RouterConnection, RouterConnectionStatus } from './routers/router-connection.ts';

export type PopupRequest =
  | { type: 'status' }
  | { type: 'setRouters'; routers: string[] }
  | { type: 'resources' };

export interface WalletStatus {
  version: string;
  /** How long this worker instance has run: shows restarts during development. */
  workerUptimeMs: number;
  routers: RouterConnectionStatus;
}

export type PopupResponse = WalletStatus | { ok: true } | { resources: ResourceEntry[] } | { error: string };

export interface PopupContext {
  version: string;
  startedAt: number;
  routers: RouterConnection;
}

export function handlePopupMessage(
  message: unknown,
  context: PopupContext,
): Promise<PopupResponse> | undefined {
  const request = message as Partial<PopupRequest> | null;
  switch (request?.type) {
    case 'status':
      return Promise.resolve({
        version: context.version,
        workerUptimeMs: Date.now() - context.startedAt,
        routers: context.routers.status(),
      });
    case 'setRouters': {
      const { routers } = request as { routers?: unknown };
      if (!Array.isArray(routers) || !routers.every((r) => typeof r === 'string')) {
        return Promise.resolve({ error: 'routers must be a list of multiaddr strings' });
      }
      return context.routers.setRouters(routers).then(
        () => ({ ok: true as const }),
        (error: Error) => ({ error: error.message }),
      );
    }
    case 'resources':
      return context.routers.resources().then(
        (resources) => ({ resources }),
        (error: Error) => ({ error: error.message }),
      );
    default:
      return undefined;
  }
}
