/**
 * The demo dapp's web server (`npm start` runs it; the e2e tests too): demo/ as static files on
 * loopback. The demo's script is vite's bundle in demo/build/ (the SDK and ethers inside it).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const demoDir = join(root, 'demo');
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

/** Gives a FISCO BCOS address test funds (the local network's deployer pays); resolves when mined. */
export type Faucet = (address: string) => Promise<void>;

/**
 * Serves the demo on 127.0.0.1:`port` (0: a free one); rejects if the port is taken. With a
 * `faucet`, `POST /faucet?address=0x…` funds that address, so a new wallet can try transfers.
 */
export async function startDemoServer(port: number, faucet?: Faucet): Promise<DemoServer> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/faucet') {
      const address = url.searchParams.get('address') ?? '';
      if (req.method !== 'POST' || !faucet || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
        res.writeHead(400).end('POST /faucet?address=0x… (only while the local network runs)');
        return;
      }
      try {
        await faucet(address);
        res.writeHead(200).end('funded');
      } catch (error) {
        res.writeHead(502).end((error as Error).message);
      }
      return;
    }
    const file = normalize(join(demoDir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(demoDir + sep)) {
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
