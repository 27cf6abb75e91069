/**
 * Runs Weft's (or any) fabric-contract-api chaincode as external chaincode servers
 * with fabric-shim, in their own process, as Fabric 2.x runs external chaincode.
 * The devpeer starts one such process for all its chaincode and dials each server.
 *
 *   node p2p/devnet/fabric/chaincode-server.ts --chaincode asset=<file>[#Export] [--chaincode ...] [--host 127.0.0.1]
 *
 * Prints `CHAINCODE_ADDRESS <name>=<host:port>` per chaincode, then `CHAINCODE_READY`;
 * exits when stdin closes (its parent went away) or on SIGINT/SIGTERM.
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
// fabric-shim parses the creator's certificate (pure-JS ASN.1) for ctx.clientIdentity on
// every transaction; the parsed certificate is only read, so parse each PEM once. Resolved
// from fabric-shim: the instance it uses (@fidm/x509 is not our dependency).
const shimRequire = createRequire(require.resolve('fabric-shim/lib/chaincode.js'));
const { Certificate } = shimRequire('@fidm/x509') as { Certificate: { fromPEM(pem: string): unknown } };
const parseCertificate = Certificate.fromPEM.bind(Certificate);
const parsedCertificates = new Map<string, unknown>();
Certificate.fromPEM = (pem) => {
  let parsed = parsedCertificates.get(pem);
  if (parsed === undefined) {
    parsed = parseCertificate(pem);
    if (parsedCertificates.size >= 1000) parsedCertificates.clear();
    parsedCertificates.set(pem, parsed);
  }
  return parsed;
};
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
    chaincode: { type: 'string', multiple: true },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const specs = (values.chaincode ?? []).map((spec) => {
  const match = /^([^=]+)=([^#]+)(?:#(.+))?$/.exec(spec);
  if (!match?.[1] || !match[2]) {
    console.error(`bad --chaincode ${spec}: expected name=module[#Export]`);
    process.exit(2);
  }
  return { name: match[1], module: match[2], exportName: match[3] };
});
if (specs.length === 0) {
  console.error('usage: chaincode-server.ts --chaincode <name>=<module>[#Export] ... [--host 127.0.0.1]');
  process.exit(2);
}

const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
for (const spec of specs) {
  const loaded = (await import(pathToFileURL(resolve(spec.module)).href)) as Record<string, unknown>;
  const contracts = spec.exportName
    ? [loaded[spec.exportName]]
    : Object.values(loaded).filter(
        (value) => typeof value === 'function' && value.prototype instanceof Contract,
      );
  if (contracts.length === 0 || !contracts[0]) {
    console.error(`no contract class in ${spec.module}`);
    process.exit(2);
  }
  const address = `${values.host}:${await freePort(values.host)}`;
  const chaincode = new ChaincodeFromContract(contracts, serializers, {}, spec.name, '1.0');
  // No tlsProps: loopback only, the devpeer dials without TLS.
  // No channelz bookkeeping per call on a loopback server nobody inspects.
  const serverOptions = { ccid: `${spec.name}:1.0`, address, 'grpc.enable_channelz': 0 } as Parameters<
    typeof Shim.server
  >[1];
  await Shim.server(chaincode, serverOptions).start();
  process.stdout.write(`CHAINCODE_ADDRESS ${spec.name}=${address}\n`);
}
process.stdout.write('CHAINCODE_READY\n');

const exit = () => process.exit(0);
process.on('SIGINT', exit);
process.on('SIGTERM', exit);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.resume();
