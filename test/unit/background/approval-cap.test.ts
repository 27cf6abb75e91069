/** A page cannot queue more than a few approvals: the next request is -32002 and shows nothing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Approval, TransactionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import {
  ApprovalQueue,
  MAX_PENDING_PER_ORIGIN,
  noChoice,
  TooManyPendingError,
} from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';
import { asAsked, SESSION } from './session-approval.ts';

const PAGE = 'https://spam.example';
const OTHER = 'https://other.example';
const TRANSFER: TransactionApprovalDetails = {
  path: 'payment.bcos.asset',
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  contract: '0x00000000000000000000000000000000000000cc',
  method: 'transfer',
  inputs: [],
  args: [],
  from: '0x00000000000000000000000000000000000000aa',
};

function queue() {
  const events = new WalletEvents();
  const shown: string[] = [];
  events.on('approvals:added', ({ id }) => shown.push(id));
  return { approvals: new ApprovalQueue(events), shown };
}

describe('ApprovalQueue per-origin cap', { timeout: 5_000 }, () => {
  test(`an origin's request beyond ${MAX_PENDING_PER_ORIGIN} waiting is refused and never shown`, async () => {
    const { approvals, shown } = queue();
    const waiting = Array.from({ length: MAX_PENDING_PER_ORIGIN }, () =>
      approvals.request('transaction', PAGE, TRANSFER, noChoice),
    );
    for (const w of waiting) w.catch(() => {});
    await assert.rejects(approvals.request('transaction', PAGE, TRANSFER, noChoice), (error: unknown) => {
      assert.ok(error instanceof TooManyPendingError);
      assert.equal(error.code, ErrorCode.requestPending);
      assert.deepEqual(error.data, { reason: 'TOO_MANY_PENDING', limit: MAX_PENDING_PER_ORIGIN });
      return true;
    });
    assert.equal(shown.length, MAX_PENDING_PER_ORIGIN);
    assert.equal(approvals.pending().length, MAX_PENDING_PER_ORIGIN);
  });

  test('another origin is not blocked, and a decision frees a place', async () => {
    const { approvals } = queue();
    const waiting = Array.from({ length: MAX_PENDING_PER_ORIGIN }, () =>
      approvals.request('session', PAGE, SESSION, asAsked),
    );
    for (const w of waiting) w.catch(() => {});
    const other = approvals.request('session', OTHER, SESSION, asAsked);
    assert.equal(approvals.pending().length, MAX_PENDING_PER_ORIGIN + 1);
    approvals.decide((approvals.pending()[0] as Approval).id, false);
    const again = approvals.request('session', PAGE, SESSION, asAsked);
    assert.equal(approvals.pending().filter((a) => a.origin === PAGE).length, MAX_PENDING_PER_ORIGIN);
    approvals.reject(
      approvals.pending().map((a) => a.id),
      'done',
    );
    await assert.rejects(other);
    await assert.rejects(again);
  });

  test('through the provider: the page gets -32002 with its reason, nothing is logged', async () => {
    const { approvals, shown } = queue();
    const logged: unknown[] = [];
    const services = {
      approvals,
      sessions: { get: async () => null },
      vault: {
        accounts: async () => [
          { index: 0, address: '0x00000000000000000000000000000000000000aa', name: 'A' },
        ],
        fabricIdentities: async () => [],
      },
      local: new MemoryStorageArea(),
      activity: { add: async (entry: unknown) => logged.push(entry) },
    } as unknown as WalletServices;
    const methods = providerMethods(services);
    const ask = () =>
      handleRequest(
        { method: 'weft_requestSession', params: [{ resources: ['payment.bcos.asset'] }] },
        { origin: PAGE },
        methods,
      );
    const waiting = Array.from({ length: MAX_PENDING_PER_ORIGIN }, ask);
    while (shown.length < MAX_PENDING_PER_ORIGIN) await new Promise((r) => setTimeout(r, 1));
    const refused = await ask();
    assert.ok('error' in refused, JSON.stringify(refused));
    assert.equal(refused.error.code, -32002);
    assert.deepEqual(refused.error.data, { reason: 'TOO_MANY_PENDING', limit: MAX_PENDING_PER_ORIGIN });
    assert.equal(shown.length, MAX_PENDING_PER_ORIGIN);
    approvals.reject(
      approvals.pending().map((a) => a.id),
      'closed',
    );
    for (const outcome of await Promise.all(waiting)) {
      assert.ok('error' in outcome);
      assert.equal(outcome.error.code, ErrorCode.userRejected);
    }
    assert.equal(logged.length, MAX_PENDING_PER_ORIGIN, 'only the user-rejected ones are logged');
  });
});
