/** The router list's words for what the wallet's failover did (p2p/client/failover.ts). */
import type { Demotion } from '../p2p/client/failover.ts';

const KIND_WORDS: Readonly<Record<string, string>> = {
  lie: 'gave evidence the chain did not sign',
  stall: 'did not answer in time',
  down: 'unreachable',
  busy: 'busy',
  absent: 'had no evidence yet',
};

/** One demoted router in words: which, until when, and why. */
export function describeDemotion(
  d: Demotion,
  time = (ms: number) => new Date(ms).toLocaleTimeString(),
): string {
  return `${d.router.slice(-8)} set aside until ${time(d.until)}: ${KIND_WORDS[d.kind] ?? d.kind} (${d.reason})`;
}
