/**
 * Serves the demo dapp on loopback and prints what to open. Ctrl-C stops everything.
 * Usage: node scripts/start.ts [--port 8080]
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const demoDir = join(root, 'demo');
const { values } = parseArgs({
  options: { port: { type: 'string', default: process.env.WEFT_DEMO_PORT ?? '8080' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a TCP port number, got ${values.port}`);
  process.exit(2);
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const file = normalize(join(demoDir, path === '/' ? 'index.html' : path));
  if (!file.startsWith(demoDir)) {
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

server.on('error', (error) => {
  console.error(`weft: cannot serve the demo on 127.0.0.1:${port}: ${error.message} (try --port)`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;
  console.log(`
Weft local network is up.

  Demo dapp:        ${url}
  Extension build:  ${join(root, 'dist')}          (Chromium, Chrome, Edge)
                    ${join(root, 'dist-firefox')}  (Firefox)

Load the extension:
  Chromium/Chrome:  chrome://extensions -> Developer mode -> Load unpacked -> ${join(root, 'dist')}
  Firefox:          about:debugging#/runtime/this-firefox -> Load Temporary Add-on -> ${join(root, 'dist-firefox', 'manifest.json')}
Then open the demo dapp. Ctrl-C stops everything.
`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
