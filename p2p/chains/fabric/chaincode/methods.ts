/**
 * The methods of Weft's chaincode as a router publishes them (Fabric has no ABI the
 * router could read without a signed query; these mirror asset-contract.ts and
 * record-contract.ts, and a unit test keeps them in step).
 */
import type { ResourceMethod } from '../../connector.ts';

const s = (name: string) => ({ name, type: 'string' });

export const assetMethods: ResourceMethod[] = [
  { name: 'Initialize', kind: 'write', inputs: [], outputs: [s('minter')] },
  { name: 'SetUnit', kind: 'write', inputs: [s('symbol'), s('decimals')], outputs: [s('unit')] },
  { name: 'Symbol', kind: 'read', inputs: [], outputs: [s('symbol')] },
  { name: 'Decimals', kind: 'read', inputs: [], outputs: [s('decimals')] },
  { name: 'OpenAccount', kind: 'write', inputs: [s('account')], outputs: [s('account')] },
  { name: 'Mint', kind: 'write', inputs: [s('account'), s('amount')], outputs: [s('balance')] },
  { name: 'Transfer', kind: 'write', inputs: [s('from'), s('to'), s('amount')], outputs: [s('balance')] },
  { name: 'BalanceOf', kind: 'read', inputs: [s('account')], outputs: [s('balance')] },
  { name: 'OwnerOf', kind: 'read', inputs: [s('account')], outputs: [s('owner')] },
  { name: 'TotalSupply', kind: 'read', inputs: [], outputs: [s('supply')] },
  { name: 'ClientID', kind: 'read', inputs: [], outputs: [s('id')] },
  // TTM (docs/ttm.md): each but LockedBy answers the transaction's or HTLC's record as JSON.
  {
    name: 'Prepare',
    kind: 'write',
    inputs: [s('txId'), s('hashLock'), s('deadline'), s('transfers')],
    outputs: [s('state')],
  },
  { name: 'Commit', kind: 'write', inputs: [s('txId'), s('preimage')], outputs: [s('state')] },
  { name: 'Abort', kind: 'write', inputs: [s('txId')], outputs: [s('state')] },
  { name: 'TxState', kind: 'read', inputs: [s('txId')], outputs: [s('state')] },
  { name: 'LockedBy', kind: 'read', inputs: [s('account')], outputs: [s('txId')] },
  {
    name: 'HtlcLock',
    kind: 'write',
    inputs: [s('id'), s('from'), s('to'), s('amount'), s('hashLock'), s('timelock')],
    outputs: [s('state')],
  },
  { name: 'HtlcClaim', kind: 'write', inputs: [s('id'), s('preimage')], outputs: [s('state')] },
  { name: 'HtlcRefund', kind: 'write', inputs: [s('id')], outputs: [s('state')] },
  { name: 'HtlcState', kind: 'read', inputs: [s('id')], outputs: [s('state')] },
];

export const recordMethods: ResourceMethod[] = [
  { name: 'PutRecord', kind: 'write', inputs: [s('id'), s('data'), s('keys')], outputs: [s('key')] },
  { name: 'ShareKeys', kind: 'write', inputs: [s('id'), s('grantId'), s('key')], outputs: [] },
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
