/**
 * What the transaction and swap drivers need from the coordinator, injected: the drivers hold
 * no clock, log or chain of their own, so unit tests run them against in-memory chains and a
 * fake clock (test/unit/ttm/fake-drive-context.ts).
 */
import type { AssetChain } from './asset-chain.ts';
import type { Hex, TtmRecord } from './types.ts';

export interface DriveContext {
  /** The asset operations on `path`, signed with the record's signers. */
  chain(path: string, signer: TtmRecord['signer']): Promise<AssetChain>;
  /** Writes the record to the log (the write-ahead step), then passes the named checkpoint. */
  save(record: TtmRecord, checkpoint: string): Promise<void>;
  /** The record's secret, opened with the vault's key (throws `VaultLockedError` while locked). */
  openSecret(record: TtmRecord): Promise<Hex>;
  /** Seals a secret learnt from a chain into the record. */
  sealSecret(record: TtmRecord, secret: Hex): Promise<void>;
  /** Wakes on the resource's chain events, so a swap reacts to the other side within a block. */
  watch(path: string): ChainWatch;
  /** True once the coordinator was stopped: drivers return at their next step. */
  stopped(): boolean;
  /** The wallet's clock in milliseconds since the epoch (the coordinator's is `Date.now`). */
  now(): number;
  /** Resolves after `ms` of that clock. */
  sleep(ms: number): Promise<void>;
}

export interface ChainWatch {
  /** Resolves at the resource's next event (at once if one came since the last call), or after `maxMs`. */
  next(maxMs: number): Promise<void>;
  close(): void;
}

/** The context's clock in Unix seconds, as chains count deadlines and timelocks. */
export function nowSeconds(context: Pick<DriveContext, 'now'>): number {
  return Math.floor(context.now() / 1000);
}

/** Appends to the record's timeline (not saved: the caller's next `save` writes it). */
export function note(
  context: Pick<DriveContext, 'now'>,
  record: TtmRecord,
  event: string,
  path?: string,
  verified?: string,
): void {
  record.timeline.push({
    at: context.now(),
    event,
    ...(path ? { path } : {}),
    ...(verified ? { verified } : {}),
  });
}
