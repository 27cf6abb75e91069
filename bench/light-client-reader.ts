/**
 * A light client in a Node process of its own, for wallet.bench.ts: the baseline a dapp read
 * through the extension is compared with, on the same footing (the extension's light client runs
 * in the browser's worker process, not in the routers' process). Forked with IPC: each message
 * `{ count, read, gapMs }` is answered with that many timed reads, one after the other, `gapMs`
 * idle before each (none when absent).
 */

import type { CallParams } from '../p2p/client/light-client.ts';
import { LightClient } from '../p2p/client/light-client.ts';

interface Ask {
  count: number;
  read: CallParams;
  gapMs?: number;
}

const entry = process.argv[2];
if (!entry || !process.send)
  throw new Error('usage: fork light-client-reader.ts <router multiaddr> (with IPC)');
const client = new LightClient({ routers: [entry] });
await client.connect();
process.on('message', async ({ count, read, gapMs }: Ask) => {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs));
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
