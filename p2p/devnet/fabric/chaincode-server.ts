/**
 * Runs Weft's (or any) fabric-contract-api chaincode as an external chaincode
 * server with fabric-shim, in its own process, as Fabric 2.x runs external
 * chaincode. The devpeer starts one per chaincode and dials it.
 *
 *   node p2p/devnet/fabric/chaincode-server.ts --module <file> [--export Name] --ccid asset:1.0 [--address 127.0.0.1:0]
 *
 * Prints `CHAINCODE_ADDRESS=<host:port>` once it listens; exits when stdin closes
 * (its parent went away) or on SIGINT/SIGTERM.
 *
 * Own process also because fabric-shim bundles an older @hyperledger/fabric-protos,
 * and two copies of google-protobuf generated classes in one process overwrite each
 * other's global `proto.*` namespace.
 */
import './quiet-shim-logs.ts';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChaincodeInterface } from 'fabric-shim';
import { Shim } from 'fabric-shim';

const require = createRequire(import.meta.url);
// fabric-shim's own adapter from contract classes to a chaincode (what `fabric-chaincode-node` uses).
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as new (
  contracts: unknown[],
  serializers: unknown,
  metadata: unknown,
  title: string,
  version: string,
) => ChaincodeInterface;
const { JSONSerializer, Contract } = require('fabric-contract-api') as {
  JSONSerializer: unknown;
  Contract: abstract new (...args: never[]) => unknown;
};

async function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const { values } = parseArgs({
  options: {
    module: { type: 'string' },
    export: { type: 'string' },
    ccid: { type: 'string' },
    address: { type: 'string', default: '127.0.0.1:0' },
  },
});
if (!values.module || !values.ccid) {
  console.error(
    'usage: chaincode-server.ts --module <file> [--export Name] --ccid <name:version> [--address host:port]',
  );
  process.exit(2);
}

const loaded = (await import(pathToFileURL(resolve(values.module)).href)) as Record<string, unknown>;
const contracts = values.export
  ? [loaded[values.export]]
  : Object.values(loaded).filter(
      (value) => typeof value === 'function' && value.prototype instanceof Contract,
    );
if (contracts.length === 0 || !contracts[0]) {
  console.error(`no contract class in ${values.module}`);
  process.exit(2);
}

const [host = '127.0.0.1', portText = '0'] = values.address.split(':');
const port = portText === '0' ? await freePort(host) : Number(portText);
const address = `${host}:${port}`;
const [title = 'chaincode', version = '1.0'] = values.ccid.split(':');
const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
const chaincode = new ChaincodeFromContract(contracts, serializers, {}, title, version);
// No tlsProps: loopback only, the devpeer dials without TLS.
const serverOptions = { ccid: values.ccid, address } as Parameters<typeof Shim.server>[1];
await Shim.server(chaincode, serverOptions).start();
process.stdout.write(`CHAINCODE_ADDRESS=${address}\n`);

const exit = () => process.exit(0);
process.on('SIGINT', exit);
process.on('SIGTERM', exit);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
