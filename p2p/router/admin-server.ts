/**
 * The router's admin endpoint (loopback by default): `/metrics` in Prometheus text
 * format, `/status`, `/peers`, `/resources` as JSON for the CLI and operators.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface AdminSources {
  metrics: Registry;
  status: () => unknown;
  peers: () => unknown;
  resources: () => unknown;
}

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

const json = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);

export async function startAdminServer(
  listen: { host: string; port: number },
  sources: AdminSources,
): Promise<AdminServer> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    try {
      if (path === '/metrics') {
        res
          .writeHead(200, { 'content-type': sources.metrics.contentType })
          .end(await sources.metrics.metrics());
        return;
      }
      const source = { '/status': sources.status, '/peers': sources.peers, '/resources': sources.resources }[
        path
      ];
      if (!source) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(json({ error: `no such endpoint ${path}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(json(source()));
    } catch (error) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(json({ error: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
