/** A write the user just approved, which the approval window follows to its verified outcome. */
import type { ActivityEntry } from '../background/activity/activity-log.ts';

export interface FollowedWrite {
  origin: string;
  path: string;
  /** The sentence the user approved: "Send 7 WFA to Account 2 (0x7099…79C8)". */
  headline: string;
  /** When it was approved (unix ms): its activity entry comes after. */
  since: number;
}

/** The write's activity entry: the site's newest write on that resource since the approval. */
export function followedEntry(
  write: FollowedWrite,
  entries: readonly ActivityEntry[],
): ActivityEntry | undefined {
  // Entries are newest first; the worker stamps them after the approval, on the same clock.
  return entries.find(
    (e) =>
      e.origin === write.origin &&
      e.kind === 'transaction' &&
      e.summary.startsWith(`${write.path}.`) &&
      e.at >= write.since - 1_000,
  );
}
