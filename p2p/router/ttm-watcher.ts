/**
 * Routers finish what a revealed secret allows (docs/ttm.md, docs/router-protocol.md#ttm).
 *
 * For every TTM asset the router fronts (FISCO BCOS: `commit` and `htlcClaim` in the ABI;
 * Fabric: `Commit` and `HtlcClaim`), the watcher follows the resource's events and keeps the
 * prepared transactions and locked HTLCs by hash lock. Once a secret is public — a
 * `TxCommitted` or `HtlcClaimed` on one of its chains, or a `ttmReveal` from a peer router or a
 * wallet — it commits or claims, as the router itself, everything still open under that hash
 * lock on its chains before the deadline, and floods the secret to its peer routers. So a
 * wallet that commits one chain and never comes back still cannot leave the others prepared.
 *
 * Nothing is trusted: `sha256(preimage)` is checked here, and each chain's state is read
 * before a write (the contract and chaincode check the preimage and deadline again).
 * Catch-up: a router learns prepares only from the moment it follows the events, so a reveal
 * also names the ids it was revealed for (the wallet uses one id on every chain) and the
 * router reads those ids' state on its own chains; a neighbour that connects is sent the
 * reveals of the last minutes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { ChainConnector, ResourceDescription, ResourceEventRecord } from '../chains/connector.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { TtmRevealResult } from '../protocol/messages.ts';
import { type ChainEvents, connectorEvents } from './chain-events.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';
import type { OwnWriter } from './own-writes.ts';
import { SeenReveals } from './seen-reveals.ts';
import { TokenBucket } from './token-bucket.ts';
import { TtmEventIndex } from './ttm-events.ts';
import { PendingIndex, type PendingItem, pendingKey, type TtmKind } from './ttm-pending.ts';

/** A public secret: `sha256(preimage) == hashLock`, and the ids it was revealed for, if known. */
export interface TtmReveal {
  hashLock: string;
  preimage: string;
  ids?: string[];
}

export interface TtmWatcherOptions {
  connectors: ChainConnector[];
  writer: OwnWriter;
  log: Logger;
  metrics: RouterMetrics;
  /** Sends a reveal to every connected peer router except `except`, allowing `hopsLeft` more hops. */
  broadcast(reveal: TtmReveal, hopsLeft: number, except?: string): void;
  /** Hops a reveal first seen here may travel. */
  hopLimit: number;
  /** Where the resources' events come from: the router's shared upstreams; default, the connector. */
  events?: ChainEvents;
  /** Tries per commit or claim (each reads the state first); default 4. */
  attempts?: number;
  /** First pause between tries, growing fourfold; default 250 ms. */
  retryDelayMs?: number;
  now?: () => number;
}

export interface TtmWatcher {
  /** Paths of the TTM assets this router watches. */
  readonly paths: string[];
  /**
   * A reveal from a peer router or a wallet: checked, applied to this router's chains, and passed
   * on if it is new. A preimage that does not hash to the lock is refused with `BAD_REQUEST`,
   * `details.reason` `wrong-preimage`. From a light client (`client`), a reveal is recorded and
   * flooded only when its hash lock is open on this router's chains; otherwise only the ids it
   * names are read here, under a budget of their own (an open one found is finished, and its
   * chain's commit event floods the secret), and the answer is `fresh: false`.
   */
  receive(reveal: TtmReveal, from: { peer?: string; hopsLeft: number; client?: boolean }): TtmRevealResult;
  /** The reveals of the last minutes, for a peer router that just connected. */
  recent(): TtmReveal[];
  /** Open transactions and HTLCs known on this router's chains. */
  pending(): PendingItem[];
  /**
   * The TTM events seen naming `id` on `path` (HIP `ttmEvents`): hints the wallet checks against
   * chain evidence. `UNSUPPORTED_OPERATION` for a path the watcher does not follow.
   */
  events(path: string, id: string): ResourceEventRecord[];
  close(): void;
}

/** Method names of the TTM asset, per chain type (docs/ttm.md). */
const METHODS = {
  'fisco-bcos': { commit: 'commit', claim: 'htlcClaim', txState: 'txState', htlcState: 'htlcState' },
  fabric: { commit: 'Commit', claim: 'HtlcClaim', txState: 'TxState', htlcState: 'HtlcState' },
} as const;

/** FISCO BCOS state numbers: 0 none, 1 prepared/locked, 2 committed/claimed, 3 aborted/refunded. */
const FISCO_STATES = ['none', 'open', 'done', 'closed'] as const;
const FABRIC_STATES: Record<string, LockState['state']> = {
  none: 'none',
  prepared: 'open',
  locked: 'open',
  committed: 'done',
  claimed: 'done',
  aborted: 'closed',
  refunded: 'closed',
};

interface LockState {
  state: 'none' | 'open' | 'done' | 'closed';
  hashLock: string;
  deadline: number;
}

interface Watched {
  connector: ChainConnector;
  description: ResourceDescription;
  methods: (typeof METHODS)[keyof typeof METHODS];
}

interface Target {
  path: string;
  kind: TtmKind;
  id: string;
}

const RESUBSCRIBE_MS = 1_000;
const WARN_EVERY_MS = 60_000;
const SEEN_MAX = 10_000;
const SEEN_TTL_MS = 60 * 60_000;
const RESEND_WINDOW_MS = 10 * 60_000;
const RESEND_MAX = 64;
const PENDING_MAX = 100_000;
/** State reads for ids named by a reveal (anyone may send one): at most this many a second. */
const PROBES_PER_SECOND = 50;
/** The same for light clients' reveals of hash locks this router does not know, apart, so they never use up the above. */
const CLIENT_PROBES_PER_SECOND = 10;

const bytes32 = /^0x[0-9a-f]{64}$/;

export function hashLockOf(preimage: string): string {
  return `0x${bytesToHex(sha256(hexToBytes(preimage.slice(2))))}`;
}

export function isTtmAsset(description: ResourceDescription): boolean {
  const names = METHODS[description.chain.type];
  const has = (name: string) => description.methods.some((m) => m.name === name);
  return has(names.commit) && has(names.claim);
}

export function createTtmWatcher(options: TtmWatcherOptions): TtmWatcher {
  const { log, metrics, writer } = options;
  const now = options.now ?? Date.now;
  const attempts = options.attempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const events = options.events ?? connectorEvents;
  const closing = new AbortController();
  const seen = new SeenReveals({ max: SEEN_MAX, ttlMs: SEEN_TTL_MS, now });
  const index = new PendingIndex({ max: PENDING_MAX, now });
  const probes = new TokenBucket(PROBES_PER_SECOND);
  const clientProbes = new TokenBucket(CLIENT_PROBES_PER_SECOND);
  const inflight = new Map<string, Promise<void>>();
  const watched = new Map<string, Watched>();
  const seenEvents = new TtmEventIndex();

  for (const connector of options.connectors) {
    for (const description of connector.resources()) {
      if (!isTtmAsset(description)) continue;
      watched.set(description.path, { connector, description, methods: METHODS[description.chain.type] });
    }
  }

  // ---- chain state and writes ------------------------------------------------------

  async function readState(resource: Watched, kind: TtmKind, id: string): Promise<LockState> {
    const method = kind === 'tx' ? resource.methods.txState : resource.methods.htlcState;
    const { values } = await resource.connector.call({
      resource: resource.description.path,
      method,
      args: [id],
    });
    if (resource.description.chain.type === 'fabric') {
      const record = (typeof values[0] === 'string' ? JSON.parse(values[0]) : values[0]) as Record<
        string,
        unknown
      >;
      return {
        state: FABRIC_STATES[String(record.state)] ?? 'none',
        hashLock: String(record.hashLock ?? '').toLowerCase(),
        deadline: Number(kind === 'tx' ? record.deadline : record.timelock),
      };
    }
    // txState: (owner, hashLock, deadline, state, preimage); htlcState: (sender, receiver, amount, hashLock, timelock, state, preimage)
    const [hashLock, deadline, state] = kind === 'tx' ? values.slice(1, 4) : values.slice(3, 6);
    return {
      state: FISCO_STATES[Number(state)] ?? 'none',
      hashLock: String(hashLock).toLowerCase(),
      deadline: Number(deadline),
    };
  }

  /**
   * Commits or claims one transaction or HTLC with the preimage, unless it is settled, under
   * another lock, or past its deadline. Each try reads the state first, so a commit by someone
   * else in between ends it as done, and a transient failure is tried again a few times.
   */
  function complete(target: Target, reveal: { hashLock: string; preimage: string }): Promise<void> {
    const key = pendingKey(target);
    const running = inflight.get(key);
    if (running) return running;
    const resource = watched.get(target.path) as Watched;
    const fields = { path: target.path, kind: target.kind, id: target.id, hashLock: reveal.hashLock };
    const run = (async () => {
      for (let attempt = 1; attempt <= attempts && !closing.signal.aborted; attempt++) {
        if (attempt > 1) await sleep(retryDelayMs * 4 ** (attempt - 2), closing.signal);
        let state: LockState;
        try {
          state = await readState(resource, target.kind, target.id);
        } catch (error) {
          log.debug('ttm state read failed', { ...fields, attempt, error: (error as Error).message });
          continue;
        }
        if (state.state === 'none' || state.hashLock !== reveal.hashLock) return;
        if (state.state !== 'open') {
          index.remove(target);
          return;
        }
        if (now() >= state.deadline * 1000) {
          index.remove(target);
          log.info('ttm secret revealed too late to finish', { ...fields, deadline: state.deadline });
          return;
        }
        const method = target.kind === 'tx' ? resource.methods.commit : resource.methods.claim;
        try {
          const receipt = await writer.write(resource.connector, resource.description, method, [
            target.id,
            reveal.preimage,
          ]);
          if (receipt.status === 'success') {
            index.remove(target);
            metrics.ttmCompletions.inc({ kind: target.kind });
            const revealedAt = seen.get(reveal.hashLock)?.at;
            log.info(target.kind === 'tx' ? 'ttm transaction committed' : 'ttm htlc claimed', {
              ...fields,
              chainTxId: receipt.txId,
              ...(revealedAt !== undefined ? { sinceRevealMs: now() - revealedAt } : {}),
            });
            return;
          }
          log.debug('ttm completion reverted', { ...fields, attempt, chainStatus: receipt.chainStatus });
        } catch (error) {
          log.debug('ttm completion failed', { ...fields, attempt, error: (error as Error).message });
        }
      }
      if (!closing.signal.aborted) log.warn('ttm completion gave up', { ...fields, attempts });
    })().finally(() => inflight.delete(key));
    inflight.set(key, run);
    return run;
  }

  // ---- reveals -----------------------------------------------------------------------

  /** Finishes what the reveal opens here: known items under its lock, and its ids on every asset. */
  function applyLocally(reveal: Required<TtmReveal>, source?: Target, budget = probes): void {
    const targets = new Map<string, Target>();
    for (const item of index.withHashLock(reveal.hashLock)) targets.set(pendingKey(item), item);
    if (source) targets.delete(pendingKey(source));
    for (const id of reveal.ids) {
      for (const path of watched.keys()) {
        for (const kind of ['tx', 'htlc'] as const) {
          const target = { path, kind, id };
          const key = pendingKey(target);
          if (targets.has(key) || (source && key === pendingKey(source))) continue;
          if (!budget.take()) {
            log.debug('ttm id probes over budget; skipping', { hashLock: reveal.hashLock, id });
            continue;
          }
          targets.set(key, target);
        }
      }
    }
    for (const target of targets.values()) void complete(target, reveal);
  }

  /**
   * Records a reveal and acts on it once: applies it here and floods it on. `source` is where a
   * chain revealed it (nothing to do there), `except` the peer router it came from.
   */
  function accept(
    reveal: Required<TtmReveal>,
    how: { hopsLeft: number; via: string; except?: string; source?: Target },
  ): boolean {
    if (!seen.add(reveal)) return false;
    log.info('ttm secret revealed', { hashLock: reveal.hashLock, via: how.via });
    applyLocally(reveal, how.source);
    if (how.hopsLeft > 0) options.broadcast(reveal, how.hopsLeft - 1, how.except);
    return true;
  }

  // ---- events ------------------------------------------------------------------------

  function onEvent(resource: Watched, event: ResourceEventRecord): void {
    const args = event.args ?? {};
    const path = resource.description.path;
    const id = String(args.txId ?? args.id ?? '').toLowerCase();
    if (!bytes32.test(id)) return;
    seenEvents.add(path, id, event);
    const kind: TtmKind = 'txId' in args ? 'tx' : 'htlc';
    switch (event.name) {
      case 'TxPrepared':
      case 'HtlcLocked': {
        const hashLock = String(args.hashLock ?? '').toLowerCase();
        const deadline = Number(kind === 'tx' ? args.deadline : args.timelock);
        if (!bytes32.test(hashLock) || !Number.isFinite(deadline)) return;
        const item = { path, kind, id, hashLock, deadline };
        index.add(item);
        // Locked under a secret that is already public: finish it at once.
        const known = seen.get(hashLock);
        if (known) void complete(item, known);
        return;
      }
      case 'TxCommitted':
      case 'HtlcClaimed': {
        index.remove({ path, kind, id });
        const preimage = String(args.preimage ?? '').toLowerCase();
        if (!bytes32.test(preimage)) return;
        accept(
          { hashLock: hashLockOf(preimage), preimage, ids: [id] },
          { hopsLeft: options.hopLimit, via: path, source: { path, kind, id } },
        );
        return;
      }
      case 'TxAborted':
      case 'HtlcRefunded':
        index.remove({ path, kind, id });
        return;
    }
  }

  /** Follows one resource's events for as long as the watcher runs, subscribing again after a gap. */
  async function follow(resource: Watched): Promise<void> {
    const { connector, description } = resource;
    if (!connector.events) return;
    let warnedAt = Number.NEGATIVE_INFINITY;
    while (!closing.signal.aborted) {
      try {
        for await (const event of events(connector, description.path, { signal: closing.signal })) {
          onEvent(resource, event);
        }
      } catch (error) {
        // A chain that is down fails every second: say so once a minute.
        if (!closing.signal.aborted) {
          const quiet = now() - warnedAt < WARN_EVERY_MS;
          if (!quiet) warnedAt = now();
          log[quiet ? 'debug' : 'warn']('ttm events stopped; subscribing again', {
            path: description.path,
            error: (error as Error).message,
          });
        }
      }
      await sleep(RESUBSCRIBE_MS, closing.signal);
    }
  }

  for (const resource of watched.values()) void follow(resource);
  if (watched.size > 0) log.info('ttm watcher started', { paths: [...watched.keys()] });

  return {
    paths: [...watched.keys()],
    receive(reveal, from) {
      const hashLock = reveal.hashLock.toLowerCase();
      const preimage = reveal.preimage.toLowerCase();
      if (!bytes32.test(hashLock) || !bytes32.test(preimage) || hashLockOf(preimage) !== hashLock) {
        throw new HipError(HipErrorCode.badRequest, 'the preimage does not hash to the hash lock', {
          reason: 'wrong-preimage',
          hashLock,
        });
      }
      const ids = (reveal.ids ?? []).map((id) => id.toLowerCase()).filter((id) => bytes32.test(id));
      // Attack 11 (issue 14): a client minting fresh secrets must not make every router store,
      // probe and pass on each of them. Only a lock open here is one this router vouches for.
      if (from.client && !seen.get(hashLock) && index.withHashLock(hashLock).length === 0) {
        metrics.revealsDropped.inc({ reason: 'unknown-hash-lock' });
        applyLocally({ hashLock, preimage, ids }, undefined, clientProbes);
        return { hashLock, fresh: false };
      }
      const fresh = accept(
        { hashLock, preimage, ids },
        {
          hopsLeft: from.hopsLeft,
          via: from.peer ?? 'a client',
          ...(from.peer ? { except: from.peer } : {}),
        },
      );
      return { hashLock, fresh };
    },
    recent() {
      return seen
        .recent(RESEND_WINDOW_MS, RESEND_MAX)
        .map(({ hashLock, preimage, ids }) => ({ hashLock, preimage, ids }));
    },
    pending: () => index.all(),
    events(path, id) {
      if (!watched.has(path)) {
        throw new HipError(
          HipErrorCode.unsupportedOperation,
          `${path} is not a TTM asset this router follows`,
          { path },
        );
      }
      return seenEvents.get(path, id);
    },
    close() {
      closing.abort();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
