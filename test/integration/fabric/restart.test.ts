/**
 * The ledger survives restarts: a clean close, and a SIGKILL of the standalone
 * command (nothing whose commit was reported is lost).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { connect, StatusCode } from '@hyperledger/fabric-gateway';
import { newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import { loadIdentityFromMspDir } from '../../../p2p/chains/fabric/identity-files.ts';
import { CHANNEL, decoder, encoder, fundAccounts, startTestDevpeer } from './fixture.ts';

const dirs: string[] = [];
const children = new Set<ChildProcess>();

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-devpeer-restart-'));
  dirs.push(dir);
  return dir;
}

/** Starts the standalone command and resolves with its gateway address. */
function startCli(dataDir: string): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  const cli = join(import.meta.dirname, '../../../p2p/devnet/fabric/cli.ts');
  const child = spawn(
    process.execPath,
    [cli, '--port', '0', '--data-dir', dataDir, '--block-interval', '50', '--channel', CHANNEL],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devpeer did not start:\n${output}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /devpeer gateway listening on (\S+)/.exec(output);
      if (match?.[1] && output.includes('identity router1')) {
        clearTimeout(timer);
        resolve({ child, address: match[1], output: () => output });
      }
    });
    child.once('exit', (code) => reject(new Error(`devpeer exited with ${code}:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('devpeer restart keeps the ledger', () => {
  test('close and reopen the library: state, blocks and the txid index are kept', async () => {
    const dir = tempDir();
    const first = await startTestDevpeer({}, dir);
    const user = first.peer.identities.user1;
    assert.ok(user);
    const gateway = first.connectAs(user);
    await fundAccounts(gateway, ['alice', 'bob'], '100');
    const transfer = await gateway
      .getNetwork(CHANNEL)
      .getContract('asset')
      .submitAsync('Transfer', { arguments: ['alice', 'bob', '40'] });
    const committed = await transfer.getStatus();
    assert.equal(committed.code, StatusCode.VALID);
    const height = first.peer.ledger(CHANNEL).height;
    const certificate = user.certificate;
    await first.close();

    const second = await startTestDevpeer({}, dir);
    try {
      assert.equal(second.peer.ledger(CHANNEL).height, height);
      const reloaded = second.peer.identities.user1;
      assert.ok(reloaded);
      assert.equal(reloaded.certificate, certificate, 'the CA keeps issued identities');
      const again = second.connectAs(reloaded);
      const asset = again.getNetwork(CHANNEL).getContract('asset');
      assert.equal(decoder.decode(await asset.evaluateTransaction('BalanceOf', 'alice')), '60');
      assert.equal(decoder.decode(await asset.evaluateTransaction('BalanceOf', 'bob')), '140');
      // The committed txid is known: re-endorsing its proposal is a duplicate.
      const location = second.peer.ledger(CHANNEL).txLocation(transfer.getTransactionId());
      assert.deepEqual(location && { block: location.blockNum, code: location.code }, {
        block: committed.blockNumber,
        code: StatusCode.VALID,
      });
      // And new writes build on the restored versions.
      await asset.submitTransaction('Transfer', 'bob', 'alice', '1');
      assert.equal(decoder.decode(await asset.evaluateTransaction('BalanceOf', 'alice')), '61');
    } finally {
      await second.close();
    }
  });

  test('standalone command: SIGKILL loses nothing committed; SIGTERM shuts down cleanly', async () => {
    const dir = tempDir();
    const first = await startCli(dir);
    const user = loadIdentityFromMspDir(join(dir, 'crypto', 'user1', 'msp'), 'Org1MSP');
    const connectTo = (address: string) => {
      const client = new grpc.Client(address, grpc.credentials.createInsecure());
      const gateway = connect({
        client,
        identity: { mspId: user.mspId, credentials: encoder.encode(user.certificate) },
        signer: newDigestSigner(user.privateKey),
      });
      return { client, gateway };
    };
    const one = connectTo(first.address);
    await fundAccounts(one.gateway, ['carol', 'dave'], '50');
    await one.gateway
      .getNetwork(CHANNEL)
      .getContract('asset')
      .submitTransaction('Transfer', 'carol', 'dave', '7');
    one.gateway.close();
    one.client.close();
    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await startCli(dir);
    const two = connectTo(second.address);
    try {
      const asset = two.gateway.getNetwork(CHANNEL).getContract('asset');
      assert.equal(decoder.decode(await asset.evaluateTransaction('BalanceOf', 'carol')), '43');
      assert.equal(decoder.decode(await asset.evaluateTransaction('BalanceOf', 'dave')), '57');
    } finally {
      two.gateway.close();
      two.client.close();
    }
    second.child.kill('SIGTERM');
    assert.equal(await exited(second.child), 0);
    assert.match(second.output(), /SIGTERM: committing accepted transactions and stopping/);
  });
});
