/**
 * A chain node behind a counting proxy, for tests that measure the load routers put on it: every
 * JSON-RPC call that reaches the simulated FISCO BCOS node through `url` is counted (each member of
 * a batch once), with its method. The test deploys and writes directly to the node, so only the
 * routers' calls are counted.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  url: string;
  /** Calls counted so far, by method. */
  readonly calls: { at: number; method: string }[];
  /** Calls in the next `ms` milliseconds. */
  countOver(ms: number): Promise<number>;
  close(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const calls: { at: number; method: string }[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { method?: string } | { method?: string }[];
        for (const call of Array.isArray(parsed) ? parsed : [parsed])
          calls.push({ at: Date.now(), method: String(call.method) });
      } catch {
        calls.push({ at: Date.now(), method: '(unparsable)' });
      }
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    async countOver(ms) {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, ms));
      return calls.filter((c) => c.at >= from && c.at < from + ms).length;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
