/** The weft-router CLI as an operator uses it: start from a file, query status, metrics, stop. */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

const cli = resolve(import.meta.dirname, '../../../p2p/router/cli.ts');
const run = promisify(execFile);

describe('weft-router CLI', { timeout: 60_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  let admin: string;
  let peerId: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cli-'));
    const config = {
      zone: 'ops',
      dataDir: 'state',
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
    };
    await writeFile(join(dir, 'router.json'), JSON.stringify(config));
    child = spawn(
      process.execPath,
      [cli, 'start', '--config', join(dir, 'router.json'), '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    for await (const chunk of child.stdout ?? []) {
      out += String(chunk);
      const match = /admin\s+(\S+)/.exec(out);
      if (match?.[1]) {
        admin = match[1];
        break;
      }
    }
    peerId = /peer id\s+(\S+)/.exec(out)?.[1] ?? '';
    assert.ok(admin, `no admin URL in:\n${out}`);
    assert.match(out, /listen\s+\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//);
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  test('status, peers and resources answer as JSON', async () => {
    const status = JSON.parse((await run(process.execPath, [cli, 'status', '--admin', admin])).stdout);
    assert.equal(status.peerId, peerId);
    assert.equal(status.zone, 'ops');
    assert.deepEqual(status.resources, { local: 0, remote: 0 });
    assert.deepEqual(JSON.parse((await run(process.execPath, [cli, 'peers', '--admin', admin])).stdout), []);
    assert.deepEqual(
      JSON.parse((await run(process.execPath, [cli, 'resources', '--admin', admin])).stdout),
      [],
    );
  });

  test('the metrics endpoint speaks Prometheus text', async () => {
    const response = await fetch(`${admin}/metrics`);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const text = await response.text();
    assert.match(text, /# TYPE weft_router_requests_total counter/);
    assert.match(text, /# TYPE weft_router_request_seconds histogram/);
    assert.match(text, /weft_router_peers\{kind="router"\} 0/);
  });

  test('id prints the same peer id from the kept key', async () => {
    const { stdout } = await run(process.execPath, [cli, 'id', '--config', join(dir, 'router.json')]);
    assert.equal(stdout.trim(), peerId);
  });

  test('a bad config is refused with the key named, and exit code 2', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ zone: 'ops', dataDir: 'x', listen: ['nope'] }));
    await assert.rejects(
      run(process.execPath, [cli, 'start', '--config', join(dir, 'bad.json')]),
      (error: unknown) => {
        const e = error as { code: number; stderr: string };
        assert.equal(e.code, 2);
        assert.match(e.stderr, /listen\[0\]: must be a multiaddr/);
        return true;
      },
    );
  });

  test('SIGTERM stops it cleanly', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
