/**
 * The demo dapp's web server (`npm start` runs it; the e2e tests too): demo/ as static
 * files on loopback, plus ethers' browser build at /vendor/ethers.umd.min.js, which the demo
 * uses for its own key (a dapp developer would take it from a CDN or their bundler).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const demoDir = join(root, 'demo');
/** Paths served from node_modules rather than demo/. */
const VENDOR: Record<string, string> = {
  '/vendor/ethers.umd.min.js': join(root, 'node_modules', 'ethers', 'dist', 'ethers.umd.min.js'),
};

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface DemoServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

/** Serves the demo on 127.0.0.1:`port` (0: a free one); rejects if the port is taken. */
export async function startDemoServer(port: number): Promise<DemoServer> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = VENDOR[path] ?? normalize(join(demoDir, path === '/' ? 'index.html' : path));
    if (!VENDOR[path] && !file.startsWith(demoDir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed);
      listening();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
