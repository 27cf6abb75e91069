/**
 * One queue of requests waiting for the user. A provider method enqueues and awaits;
 * the popup lists the queue and decides. A decision the user never makes (the
 * approval window closed) rejects, so a dapp never waits forever. Each origin may have
 * only a few requests waiting, so one page cannot bury the user (or others) in prompts.
 */
import { ErrorCode } from '../../content/provider-protocol.ts';
import type { WalletEvents } from '../events.ts';
import { ProviderError } from '../provider/errors.ts';
import type { Approval, ApprovalChoice, ApprovalDetails, ApprovalKind } from './approval-kinds.ts';

/** How many approvals one origin may have waiting at once; the next gets `TooManyPendingError`. */
export const MAX_PENDING_PER_ORIGIN = 3;

export class ApprovalRejectedError extends Error {
  override name = 'ApprovalRejectedError';
}

/** The origin already has `MAX_PENDING_PER_ORIGIN` approvals waiting: -32002, nothing was queued. */
export class TooManyPendingError extends ProviderError {
  override name = 'TooManyPendingError';

  constructor(origin: string) {
    super(
      ErrorCode.requestPending,
      `${origin} already has ${MAX_PENDING_PER_ORIGIN} requests waiting for the user: wait for an answer`,
      { reason: 'TOO_MANY_PENDING', limit: MAX_PENDING_PER_ORIGIN },
    );
  }
}

/**
 * A choice as the popup sent it, before its check: only extension code sends it, but a
 * faulty popup must still not widen what a site asked for.
 */
export type UncheckedChoice = Readonly<Record<string, unknown>>;

/**
 * Checks what the user chose against what was asked and returns the choice to apply; throws
 * (the approval stays waiting, the popup shows the error) if the choice would widen the request.
 */
export type ChoiceCheck<K extends ApprovalKind> = (choice: UncheckedChoice) => ApprovalChoice[K];

/** The check of the kinds the user only approves or rejects: whatever the popup sent, nothing was chosen. */
export const noChoice = (): undefined => undefined;

interface Waiter {
  approval: Approval;
  /** Checks the choice (throwing if it is refused) and resolves the request with it. */
  approve: (choice: UncheckedChoice) => void;
  reject: (error: Error) => void;
}

export class ApprovalQueue {
  readonly #waiting = new Map<string, Waiter>();
  readonly #events: WalletEvents;

  /** Emits `approvals:added` when a request starts waiting, `approvals:settled` when it stops. */
  constructor(events: WalletEvents) {
    this.#events = events;
  }

  pending(): Approval[] {
    return [...this.#waiting.values()].map((w) => w.approval);
  }

  /**
   * Resolves with the user's choice when they approve; rejects with ApprovalRejectedError
   * otherwise, or at once with TooManyPendingError (nothing shown) if the origin is at its cap.
   */
  request<K extends ApprovalKind>(
    kind: K,
    origin: string,
    details: ApprovalDetails[K],
    check: ChoiceCheck<K>,
  ): Promise<ApprovalChoice[K]> {
    const waiting = this.pending().filter((a) => a.origin === origin).length;
    if (waiting >= MAX_PENDING_PER_ORIGIN) return Promise.reject(new TooManyPendingError(origin));
    const approval: Approval<K> = { id: crypto.randomUUID(), kind, origin, details, createdAt: Date.now() };
    return new Promise((resolve, reject) => {
      this.#waiting.set(approval.id, {
        // The queue holds every kind at once; TypeScript cannot widen a generic kind to the union itself.
        approval: approval as Approval,
        approve: (choice) => resolve(check(choice)),
        reject,
      });
      this.#events.emit('approvals:added', { id: approval.id });
    });
  }

  /**
   * Returns false if no such approval is waiting (decided already, or the worker restarted).
   * Throws, leaving the approval waiting, if the request's check refuses the choice.
   */
  decide(id: string, approve: boolean, choice: UncheckedChoice = {}): boolean {
    const waiter = this.#waiting.get(id);
    if (!waiter) return false;
    if (approve) waiter.approve(choice);
    else waiter.reject(new ApprovalRejectedError('User rejected the request.'));
    this.#waiting.delete(id);
    this.#events.emit('approvals:settled', { id });
    return true;
  }

  /** Rejects those of `ids` still waiting (the approval window that showed them was closed). */
  reject(ids: readonly string[], reason: string): void {
    for (const id of ids) {
      const waiter = this.#waiting.get(id);
      if (!waiter) continue;
      this.#waiting.delete(id);
      waiter.reject(new ApprovalRejectedError(reason));
      this.#events.emit('approvals:settled', { id });
    }
  }
}
