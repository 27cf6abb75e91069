import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GrantApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import { ApprovalQueue, ApprovalRejectedError } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { checkGrantChoice, GrantChoiceError, type GrantScope } from '../../../background/grants/scope.ts';

const asked: GrantScope = { records: ['kyc', 'lab'], fields: ['name', 'country'], durationSeconds: 3600 };
const details: GrantApprovalDetails = {
  ...asked,
  resource: 'trade.fab.records',
  zone: 'trade',
  chainName: 'fab',
  chain: { type: 'fabric', channel: 'trade' },
  contract: 'records',
  reason: 'Check your name and country',
  audienceKey: '0x00000000000000000000000000000000000000bb',
  issuer: { address: '0x00000000000000000000000000000000000000aa', name: 'Account 1' },
};

describe('checkGrantChoice', () => {
  test('no choice takes what was asked', () => {
    assert.deepEqual(checkGrantChoice(asked, {}), asked);
  });

  test('the user may untick records and fields and shorten the duration', () => {
    assert.deepEqual(
      checkGrantChoice(asked, { records: ['lab'], fields: ['country', 'name'], durationSeconds: 900 }),
      { records: ['lab'], fields: ['name', 'country'], durationSeconds: 900 },
    );
    assert.deepEqual(checkGrantChoice(asked, { fields: ['country'] }).fields, ['country']);
  });

  test('never widens: other records or fields, no fields (= all), longer or too short', () => {
    const refused: Record<string, unknown>[] = [
      { records: ['kyc', 'bank'] },
      { records: [] },
      { fields: ['name', 'score'] },
      { fields: [] },
      { durationSeconds: 3601 },
      { durationSeconds: 59 },
      { durationSeconds: 100.5 },
      { durationSeconds: '600' },
      { records: 'kyc' },
      { fields: [42] },
    ];
    for (const choice of refused) {
      assert.throws(() => checkGrantChoice(asked, choice), GrantChoiceError, JSON.stringify(choice));
    }
  });

  test('when every field was asked, naming some is narrower and allowed', () => {
    const all = { ...asked, fields: [] };
    assert.deepEqual(checkGrantChoice(all, {}).fields, []);
    assert.deepEqual(checkGrantChoice(all, { fields: ['name', 'name'] }).fields, ['name']);
  });
});

describe('an approval with a choice check', () => {
  test('a refused choice throws to the popup and the request keeps waiting; a valid one resolves', async () => {
    const queue = new ApprovalQueue(new WalletEvents());
    const answer = queue.request('grant', 'https://clinic.example', details, (choice) =>
      checkGrantChoice(asked, choice),
    );
    const [approval] = queue.pending();
    assert.ok(approval);
    assert.throws(() => queue.decide(approval.id, true, { durationSeconds: 7200 }), GrantChoiceError);
    assert.equal(queue.pending().length, 1);
    assert.equal(queue.decide(approval.id, true, { records: ['kyc'] }), true);
    assert.deepEqual(await answer, { records: ['kyc'], fields: ['name', 'country'], durationSeconds: 3600 });
  });

  test('rejecting skips the check', async () => {
    const queue = new ApprovalQueue(new WalletEvents());
    const answer = queue.request('grant', 'https://clinic.example', details, () => {
      throw new Error('not called');
    });
    const [approval] = queue.pending();
    assert.equal(queue.decide(approval?.id ?? '', false, { records: ['bank'] }), true);
    await assert.rejects(answer, ApprovalRejectedError);
  });
});
