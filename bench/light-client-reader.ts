/**
 * A light client in a Node process of its own, for wallet.bench.ts: the baseline a dapp read
 * through the extension is compared with, on the same footing (the extension's light client runs
 * in the browser's worker process, not in the routers' process). Forked with IPC: each message
 * `{ count, read }` is answered with that many timed reads, one after the other.
 */

import type { CallParams } from '../p2p/client/light-client.ts';
import { LightClient } from '../p2p/client/light-client.ts';

interface Ask {
  count: number;
  read: CallParams;
}

const entry = process.argv[2];
if (!entry || !process.send)
  throw new Error('usage: fork light-client-reader.ts <router multiaddr> (with IPC)');
const client = new LightClient({ routers: [entry] });
await client.connect();
process.on('message', async ({ count, read }: Ask) => {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client.call(read);
    out.push(performance.now() - t);
  }
  process.send?.(out);
});
process.on('disconnect', () => {
  void client.stop().finally(() => process.exit(0));
});
process.send({ ready: true });
