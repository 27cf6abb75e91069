/**
 * One queue of requests waiting for the user. A provider method enqueues and awaits;
 * the popup lists the queue and decides. A decision the user never makes (the
 * approval window closed) rejects, so a dapp never waits forever. Each origin may have
 * only a few requests waiting, so one page cannot bury the user (or others) in prompts.
 */
import { ErrorCode } from '../../content/provider-protocol.ts';
import { ProviderError } from '../provider/errors.ts';

/** How many approvals one origin may have waiting at once; the next gets `TooManyPendingError`. */
export const MAX_PENDING_PER_ORIGIN = 3;

export type ApprovalKind = 'session' | 'transaction' | 'grant' | 'crossChain' | 'swap';

export interface Approval {
  id: string;
  kind: ApprovalKind;
  /** Origin of the requesting site, from the browser. */
  origin: string;
  /** What exactly will happen, as the popup shows it. */
  details: Record<string, unknown>;
  createdAt: number;
}

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

/** What the user chose while approving (for a session: which account, which resources). */
export type ApprovalChoice = Record<string, unknown>;

/**
 * Checks what the user chose against what was asked and returns the choice to apply; throws
 * (the approval stays waiting, the popup shows the error) if the choice would widen the request.
 */
export type ChoiceCheck = (choice: ApprovalChoice) => ApprovalChoice;

interface Waiter {
  approval: Approval;
  check?: ChoiceCheck;
  resolve: (choice: ApprovalChoice) => void;
  reject: (error: Error) => void;
}

export class ApprovalQueue {
  readonly #waiting = new Map<string, Waiter>();
  readonly #onEnqueue: (approval: Approval) => void;

  /** `onEnqueue` shows the approval to the user (opens the popup). */
  constructor(onEnqueue: (approval: Approval) => void) {
    this.#onEnqueue = onEnqueue;
  }

  pending(): Approval[] {
    return [...this.#waiting.values()].map((w) => w.approval);
  }

  /**
   * Resolves with the user's choice when they approve; rejects with ApprovalRejectedError
   * otherwise, or at once with TooManyPendingError (nothing shown) if the origin is at its cap.
   */
  request(
    kind: ApprovalKind,
    origin: string,
    details: Record<string, unknown>,
    check?: ChoiceCheck,
  ): Promise<ApprovalChoice> {
    const waiting = this.pending().filter((a) => a.origin === origin).length;
    if (waiting >= MAX_PENDING_PER_ORIGIN) return Promise.reject(new TooManyPendingError(origin));
    const approval: Approval = { id: crypto.randomUUID(), kind, origin, details, createdAt: Date.now() };
    return new Promise((resolve, reject) => {
      this.#waiting.set(approval.id, { approval, resolve, reject, ...(check ? { check } : {}) });
      this.#onEnqueue(approval);
    });
  }

  /**
   * Returns false if no such approval is waiting (decided already, or the worker restarted).
   * Throws, leaving the approval waiting, if the request's check refuses the choice.
   */
  decide(id: string, approve: boolean, choice: ApprovalChoice = {}): boolean {
    const waiter = this.#waiting.get(id);
    if (!waiter) return false;
    const checked = approve && waiter.check ? waiter.check(choice) : choice;
    this.#waiting.delete(id);
    if (approve) waiter.resolve(checked);
    else waiter.reject(new ApprovalRejectedError('User rejected the request.'));
    return true;
  }

  /** Rejects everything still waiting (the approval window was closed). */
  rejectAll(reason: string): void {
    for (const [id, waiter] of this.#waiting) {
      this.#waiting.delete(id);
      waiter.reject(new ApprovalRejectedError(reason));
    }
  }
}
