/**
 * The idle timer moves only for what the user does in the popup: not for the popup's own
 * refreshes, and never for a page's requests (the provider has no way to touch it).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Alarms } from 'webextension-polyfill';
import { ApprovalQueue, noChoice } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handlePopupMessage } from '../../../background/popup-api.ts';
import type { WalletServices } from '../../../background/services.ts';
import { AUTO_LOCK_ALARM, AutoLock } from '../../../background/wallet/auto-lock.ts';
import { MemoryStorageArea } from '../vault/memory-storage.ts';

/** The part of `browser.alarms` AutoLock uses, recording what it is asked. */
function fakeAlarms() {
  const created: { name: string; delayInMinutes: number | undefined }[] = [];
  const cleared: string[] = [];
  const alarms = {
    create: (name: string, info: Alarms.CreateAlarmInfoType) => {
      created.push({ name, delayInMinutes: info.delayInMinutes });
    },
    clear: async (name: string) => {
      cleared.push(name);
      return true;
    },
  } as unknown as Alarms.Static;
  return { alarms, created, cleared };
}

function popup() {
  const { alarms, created, cleared } = fakeAlarms();
  const local = new MemoryStorageArea();
  const autoLock = new AutoLock(alarms, local);
  let unlocked = false;
  const events = new WalletEvents();
  const approvals = new ApprovalQueue(events);
  const account = { index: 0, address: '0x00000000000000000000000000000000000000aa', name: 'Account 1' };
  const services = {
    version: '1.0.0',
    events,
    autoLock,
    local,
    approvals,
    vault: {
      isUnlocked: () => unlocked,
      unlock: async () => {
        unlocked = true;
      },
      lock: async () => {
        unlocked = false;
      },
      view: async () => ({ hasVault: true, isUnlocked: unlocked }),
      accounts: async () => [account],
      addAccount: async () => account,
      renameAccount: async () => account,
      fabricIdentities: async () => [],
    },
    routers: {
      status: () => ({ router: null, state: 'disconnected' }),
      resources: async () => [],
      setRouters: async () => {},
    },
    sessions: { list: async () => [], revoke: async () => {} },
    activity: { list: async () => [] },
    grants: { list: async () => [] },
    ttm: { log: { views: async () => [] } },
  } as unknown as WalletServices;
  const send = async (message: Record<string, unknown>) => {
    const answer = await handlePopupMessage(message, services);
    assert.ok(!('error' in answer), `${message.type}: ${JSON.stringify(answer)}`);
    return answer;
  };
  return { send, created, cleared, approvals };
}

describe('auto-lock', () => {
  test('touch schedules the alarm with the saved idle time; setMinutes checks its range', async () => {
    const { alarms, created } = fakeAlarms();
    const autoLock = new AutoLock(alarms, new MemoryStorageArea());
    await autoLock.touch();
    assert.deepEqual(created, [{ name: AUTO_LOCK_ALARM, delayInMinutes: 15 }]);
    await autoLock.setMinutes(5);
    await autoLock.touch();
    assert.deepEqual(created.at(-1), { name: AUTO_LOCK_ALARM, delayInMinutes: 5 });
    await assert.rejects(autoLock.setMinutes(0), RangeError);
    await assert.rejects(autoLock.setMinutes(1.5), RangeError);
  });

  test("the popup's own refreshes never push the lock back", async () => {
    const { send, created } = popup();
    await send({ type: 'unlock', password: 'pw' });
    created.length = 0;
    for (let i = 0; i < 5; i++) await send({ type: 'resources' });
    assert.deepEqual(created, []);
  });

  test("each of the user's actions pushes the lock back", async () => {
    const { send, created, approvals } = popup();
    await send({ type: 'unlock', password: 'pw' });
    assert.equal(created.length, 1, 'unlock');
    const waiting = approvals.request(
      'transaction',
      'https://dapp.example',
      {
        path: 'payment.bcos.asset',
        chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
        contract: '0x00000000000000000000000000000000000000cc',
        method: 'transfer',
        inputs: [],
        args: [],
        from: '0x00000000000000000000000000000000000000aa',
      },
      noChoice,
    );
    waiting.catch(() => {});
    const id = approvals.pending()[0]?.id;
    const actions: Record<string, unknown>[] = [
      { type: 'decide', id, approve: false },
      { type: 'addAccount' },
      { type: 'renameAccount', index: 0, name: 'Main' },
      { type: 'setDefaults', fiscoAccount: 0 },
      { type: 'revokeSession', origin: 'https://dapp.example' },
      { type: 'setRouters', routers: [] },
    ];
    for (const action of actions) {
      const scheduled: number = created.length;
      await send(action);
      assert.equal(created.length, scheduled + 1, String(action.type));
      assert.equal(created.at(-1)?.name, AUTO_LOCK_ALARM);
    }
  });

  test('locking clears the alarm; actions while locked schedule nothing', async () => {
    const { send, created, cleared } = popup();
    await send({ type: 'unlock', password: 'pw' });
    await send({ type: 'lock' });
    assert.deepEqual(cleared, [AUTO_LOCK_ALARM]);
    created.length = 0;
    await send({ type: 'setRouters', routers: [] });
    assert.deepEqual(created, []);
  });
});
