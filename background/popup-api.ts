/** Requests from the popup to the worker (the popup is extension code, so no approval applies). */

export type PopupRequest = { type: 'status' };

export interface WalletStatus {
  version: string;
  /** How long this worker instance has run: shows restarts during development. */
  workerUptimeMs: number;
}

export interface WorkerFacts {
  version: string;
  startedAt: number;
}

export function handlePopupMessage(message: unknown, facts: WorkerFacts): Promise<WalletStatus> | undefined {
  const request = message as Partial<PopupRequest> | null;
  if (request?.type === 'status') {
    return Promise.resolve({ version: facts.version, workerUptimeMs: Date.now() - facts.startedAt });
  }
  return undefined;
}
