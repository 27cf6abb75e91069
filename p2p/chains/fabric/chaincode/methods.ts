/**
 * The methods of Weft's chaincode as a router publishes them (Fabric has no ABI the
 * router could read without a signed query; these mirror asset-contract.ts and
 * record-contract.ts, and a unit test keeps them in step).
 */
import type { ResourceMethod } from '../../connector.ts';

const s = (name: string) => ({ name, type: 'string' });

export const assetMethods: ResourceMethod[] = [
  { name: 'Initialize', kind: 'write', inputs: [], outputs: [s('minter')] },
  { name: 'OpenAccount', kind: 'write', inputs: [s('account')], outputs: [s('account')] },
  { name: 'Mint', kind: 'write', inputs: [s('account'), s('amount')], outputs: [s('balance')] },
  { name: 'Transfer', kind: 'write', inputs: [s('from'), s('to'), s('amount')], outputs: [s('balance')] },
  { name: 'BalanceOf', kind: 'read', inputs: [s('account')], outputs: [s('balance')] },
  { name: 'OwnerOf', kind: 'read', inputs: [s('account')], outputs: [s('owner')] },
  { name: 'TotalSupply', kind: 'read', inputs: [], outputs: [s('supply')] },
  { name: 'ClientID', kind: 'read', inputs: [], outputs: [s('id')] },
];

export const recordMethods: ResourceMethod[] = [
  { name: 'PutRecord', kind: 'write', inputs: [s('id'), s('data')], outputs: [s('key')] },
  { name: 'GetRecord', kind: 'read', inputs: [s('owner'), s('id')], outputs: [s('record')] },
  { name: 'ListRecords', kind: 'read', inputs: [], outputs: [s('records')] },
  { name: 'DeleteRecord', kind: 'write', inputs: [s('id')], outputs: [] },
  { name: 'LinkAccount', kind: 'write', inputs: [s('account'), s('signature')], outputs: [] },
  { name: 'WhoAmI', kind: 'read', inputs: [], outputs: [s('identity')] },
  { name: 'RevokeGrant', kind: 'write', inputs: [s('grantId')], outputs: [] },
  { name: 'IsRevoked', kind: 'read', inputs: [s('issuer'), s('grantId')], outputs: [s('revoked')] },
  {
    name: 'ReadWithGrant',
    kind: 'read',
    inputs: [s('grant'), s('grantSignature'), s('read'), s('readSignature')],
    outputs: [s('record')],
  },
];

/** Chaincode name -> its published methods. */
export const weftChaincodeMethods: Record<string, ResourceMethod[]> = {
  asset: assetMethods,
  records: recordMethods,
};
