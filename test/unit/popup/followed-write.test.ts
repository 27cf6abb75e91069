/** After approving a write, the window finds its activity entry: the site's, on that resource, since then. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActivityEntry } from '../../../background/activity/activity-log.ts';
import { followedEntry } from '../../../popup/followed-write.ts';

const entry = (id: string, over: Partial<ActivityEntry>): ActivityEntry => ({
  id,
  origin: 'https://dapp.example',
  kind: 'transaction',
  summary: 'payment.bcos.asset.transfer',
  status: 'success',
  at: 10_000,
  ...over,
});

test("the newest entry of the site's write on that resource since the approval", () => {
  const write = {
    origin: 'https://dapp.example',
    path: 'payment.bcos.asset',
    headline: 'Send',
    since: 10_000,
  };
  const entries = [
    entry('other-site', { origin: 'https://other.example', at: 12_000 }),
    entry('other-path', { summary: 'payment.bcos.assets.transfer', at: 12_000 }),
    entry('grant', { kind: 'grant', summary: 'payment.bcos.asset: kyc', at: 12_000 }),
    entry('this', { status: 'submitting', at: 11_000 }),
    entry('before', { at: 5_000 }),
  ];
  assert.equal(followedEntry(write, entries)?.id, 'this');
  assert.equal(followedEntry(write, entries.slice(0, 3)), undefined);
  assert.equal(followedEntry({ ...write, since: 20_000 }, entries), undefined);
});
