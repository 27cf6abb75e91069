/**
 * The chaincode Weft operators deploy: one chaincode per contract, named as below.
 * Run it as an external chaincode server with fabric-shim
 * (`fabric-chaincode-node server --chaincode-address HOST:PORT --chaincode-id ID`)
 * or let the devpeer host it.
 */
import { fileURLToPath } from 'node:url';
import { AssetContract } from './asset-contract.ts';
import { RecordContract } from './record-contract.ts';

export { AssetContract, RecordContract };

/** Chaincode name -> contract classes it is made of. */
export const weftChaincodes = {
  asset: [AssetContract],
  records: [RecordContract],
} as const;

/** Chaincode name -> the module a chaincode server loads (fabric-shim server mode). */
export const weftChaincodeModules = {
  asset: { module: fileURLToPath(new URL('./asset-contract.ts', import.meta.url)) },
  records: { module: fileURLToPath(new URL('./record-contract.ts', import.meta.url)) },
};

/** fabric-contract-api's module convention: `contracts` lists the contract classes. */
export const contracts = [AssetContract, RecordContract];
