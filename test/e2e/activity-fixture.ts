/**
 * A full activity log for the popup's list, written where the worker's ActivityLog keeps it,
 * in its order (newest first). Shared by the list's e2e test and the popup benchmark.
 */
import { ACTIVITY_KEY, type ActivityEntry } from '../../background/activity/activity-log.ts';
import type { ExtensionBrowser } from './harness.ts';

/** `count` entries, newest first, each with its own summary (`… #<n>`, n = count for the newest). */
export function activityEntries(count: number, now = Date.now()): ActivityEntry[] {
  const statuses: ActivityEntry['status'][] = ['success', 'reverted', 'rejected', 'failed', 'submitting'];
  return Array.from({ length: count }, (_, i) => {
    const n = count - i;
    return {
      id: `fixture-${n}`,
      origin: 'https://dapp.example',
      kind: 'transaction',
      summary: `payment.bcos.asset.transfer #${n}`,
      status: statuses[i % statuses.length] as ActivityEntry['status'],
      txId: `0x${n.toString(16).padStart(64, '0')}`,
      blockNumber: String(n),
      at: now - i * 60_000,
    };
  });
}

/** Replaces the worker's activity log with `entries`. */
export async function fillActivityLog(browser: ExtensionBrowser, entries: ActivityEntry[]): Promise<void> {
  const worker = await browser.worker();
  await worker.evaluate(
    async ({ key, entries }) => {
      const local = (
        globalThis as unknown as { chrome: { storage: { local: { set(x: unknown): Promise<void> } } } }
      ).chrome.storage.local;
      await local.set({ [key]: entries });
    },
    { key: ACTIVITY_KEY, entries },
  );
}
