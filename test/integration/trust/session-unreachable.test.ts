/**
 * weft_requestSession describes each path before the approval opens. With configured routers
 * that take the stream and never answer (two silent peers: each would cost a request timeout),
 * the approval must still open within the wallet's bound, showing the paths as unavailable, and
 * the session is granted unpinned (each later use checks the pin, or its absence).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SessionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';
import type { UncheckedChoice } from '../../../background/approvals/approval-queue.ts';
import { WalletEvents } from '../../../background/events.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import { DESCRIBE_WAIT_MS } from '../../../background/provider/methods/request-session.ts';
import { RouterConnection } from '../../../background/routers/router-connection.ts';
import type { WalletServices } from '../../../background/services.ts';
import { SessionStore } from '../../../background/sessions/session-store.ts';
import type { Session } from '../../../content/provider-schema.ts';
import { MemoryStorageArea } from '../../unit/vault/memory-storage.ts';
import { newVault } from '../asset-chain/wallet.ts';
import { freshTrust } from './lying-client.ts';
import { startSilentRouter } from './lying-routers.ts';

const PATHS = ['payment.bcos.asset', 'trade.fab.asset'];

let silent: Awaited<ReturnType<typeof startSilentRouter>>[];

before(async () => {
  silent = [await startSilentRouter(), await startSilentRouter()];
});

after(async () => {
  for (const peer of silent ?? []) await peer.close();
});

test('the session approval opens within the bound although every configured router stalls; the paths show as unavailable', async (t) => {
  const local = new MemoryStorageArea();
  const events = new WalletEvents();
  const routers = new RouterConnection(local as never, events);
  await routers.setRouters(silent.map((s) => s.address));
  t.after(() => routers.setRouters([]));
  const vault = await newVault();
  const account = await vault.addAccount('alice');
  const asked: { kind: string; details: unknown; at: number }[] = [];
  const services = {
    sessions: new SessionStore(local, events),
    local,
    vault,
    routers,
    trust: freshTrust(routers.client()),
    grants: { list: async () => [] },
    approvals: {
      request: async (
        kind: string,
        _origin: string,
        details: unknown,
        narrow: (c: UncheckedChoice) => unknown,
      ) => {
        asked.push({ kind, details, at: Date.now() });
        return narrow({ account: account.index });
      },
    },
    activity: { add: async () => '1', settle: async () => undefined },
  } as unknown as WalletServices;
  const methods = providerMethods(services);

  const started = Date.now();
  const answer = await handleRequest(
    { method: 'weft_requestSession', params: [{ resources: PATHS }] },
    { origin: 'https://shop.example' },
    methods,
  );
  const took = Date.now() - started;
  assert.ok('result' in answer, JSON.stringify(answer));
  // Within the bound (not the 2 × 5 s of two routers' request timeouts, or more).
  assert.ok(took < DESCRIBE_WAIT_MS + 1_500, `the approval opened after ${took} ms`);
  assert.equal(asked.length, 1);
  const details = asked[0]?.details as SessionApprovalDetails;
  for (const path of PATHS) {
    const shown = details.descriptions[path];
    assert.ok(shown && 'unavailable' in shown, JSON.stringify(shown));
    assert.match(shown.unavailable, /no router described/);
  }
  const session = answer.result as Session;
  assert.deepEqual(session.resources, PATHS);
  assert.deepEqual(session.pins, {}, 'nothing described, nothing pinned');
  assert.ok(
    silent.some((s) => s.held() > 0),
    'the wallet did reach a silent router (it stalled, it was not refused)',
  );
});
