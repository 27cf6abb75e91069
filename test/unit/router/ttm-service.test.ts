/** The TTM watcher's wiring alone: reveals flooded to the other members, and replayed to one that connects. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RequestBody } from '../../../p2p/protocol/messages.ts';
import { createLogger } from '../../../p2p/router/log.ts';
import { createRouterMetrics } from '../../../p2p/router/metrics.ts';
import { createTtmService } from '../../../p2p/router/ttm-service.ts';

test("a member's reveal goes to the other members with one hop less; a member that connects is caught up", async () => {
  const sent: { peer: string; body: RequestBody; hopsLeft: number | undefined }[] = [];
  const members = ['m1', 'm2', 'm3'];
  const service = createTtmService({
    connectors: [],
    dataDir: '/nonexistent',
    forwarding: {
      send: async (peer, body, options) => {
        sent.push({ peer, body, hopsLeft: options.hopsLeft });
        return { fresh: true };
      },
    },
    connectedMembers: () => members,
    log: createLogger('silent'),
    metrics: createRouterMetrics(),
    hopLimit: 8,
    writer: { write: async () => assert.fail('nothing to write on no chain') },
  });
  assert.throws(() => service.watcher, /not started/);
  await service.start();
  const preimage = `0x${'11'.repeat(32)}`;
  const hashLock = `0x${bytesToHex(sha256(new Uint8Array(32).fill(0x11)))}`;
  const result = service.watcher.receive({ hashLock, preimage }, { peer: 'm1', hopsLeft: 5 });
  assert.deepEqual(result, { hashLock, fresh: true });
  assert.deepEqual(
    sent.map((s) => [s.peer, s.body.op, s.hopsLeft]),
    [
      ['m2', 'ttmReveal', 4],
      ['m3', 'ttmReveal', 4],
    ],
  );
  sent.length = 0;
  service.memberConnected('m4');
  assert.deepEqual(
    sent.map((s) => [s.peer, s.body.op, s.hopsLeft]),
    [['m4', 'ttmReveal', 7]],
  );
  await service.stop();
});
