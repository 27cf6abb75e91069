/**
 * One queue of requests waiting for the user. A provider method enqueues and awaits;
 * the popup lists the queue and decides. A decision the user never makes (the
 * approval window closed) rejects, so a dapp never waits forever.
 */

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

  /** Resolves with the user's choice when they approve; rejects with ApprovalRejectedError otherwise. */
  request(
    kind: ApprovalKind,
    origin: string,
    details: Record<string, unknown>,
    check?: ChoiceCheck,
  ): Promise<ApprovalChoice> {
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
