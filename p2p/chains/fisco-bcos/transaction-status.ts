/**
 * FISCO BCOS 2.x transaction statuses (`TransactionException` in libethcore/TransactionException.h
 * of FISCO-BCOS release-2.x). Receipts carry them as hex strings; txpool refusals name them.
 */
export const TRANSACTION_STATUS: Readonly<Record<string, string>> = {
  '0x0': 'None',
  '0x1': 'Unknown',
  '0x2': 'BadRLP',
  '0x3': 'InvalidFormat',
  '0x4': 'OutOfGasIntrinsic',
  '0x5': 'InvalidSignature',
  '0x6': 'InvalidNonce',
  '0x7': 'NotEnoughCash',
  '0x8': 'OutOfGasBase',
  '0x9': 'BlockGasLimitReached',
  '0xa': 'BadInstruction',
  '0xb': 'BadJumpDestination',
  '0xc': 'OutOfGas',
  '0xd': 'OutOfStack',
  '0xe': 'StackUnderflow',
  '0xf': 'NonceCheckFail',
  '0x10': 'BlockLimitCheckFail',
  '0x11': 'FilterCheckFail',
  '0x12': 'NoDeployPermission',
  '0x13': 'NoCallPermission',
  '0x14': 'NoTxPermission',
  '0x15': 'PrecompiledError',
  '0x16': 'RevertInstruction',
  '0x17': 'InvalidZeroSignatureFormat',
  '0x18': 'AddressAlreadyUsed',
  '0x19': 'PermissionDenied',
  '0x1a': 'CallAddressError',
  '0x1b': 'GasOverflow',
  '0x1c': 'TxPoolIsFull',
  '0x1d': 'TransactionRefused',
  '0x1e': 'ContractFrozen',
  '0x1f': 'AccountFrozen',
  '0x20': 'NotEnoughRemainGas',
  '0x2710': 'AlreadyKnown',
  '0x2711': 'AlreadyInChain',
  '0x2712': 'InvalidChainId',
  '0x2713': 'InvalidGroupId',
  '0x2714': 'RequestNotBelongToTheGroup',
  '0x2715': 'MalformedTx',
  '0x2716': 'OverGroupMemoryLimit',
};

export const STATUS_OK = '0x0';
export const STATUS_REVERT = '0x16';

/** Normalises `0x00`, `0X16`, numbers ... to the node's own form (`0x16`). */
export function normaliseStatus(status: string | number): string {
  return `0x${BigInt(status).toString(16)}`;
}

export function transactionStatusName(status: string): string {
  return TRANSACTION_STATUS[normaliseStatus(status)] ?? `Status${status}`;
}

/**
 * The refusal reasons a 2.x txpool writes into its -32603 message (TxPool::submitTransactions,
 * Transaction decoding), mapped to their transaction status.
 */
export const REFUSAL_STATUS: readonly (readonly [RegExp, string])[] = [
  [/TxPoolNonceCheckFail|TransactionNonceCheckFail/, '0xf'],
  [/BlockLimitCheckFailed/, '0x10'],
  [/TransactionPoolIsFull/, '0x1c'],
  [/TransactionAlreadyKown|TransactionAlreadyKnown/, '0x2710'],
  [/TransactionAlreadyInChain/, '0x2711'],
  [/InvalidChainId/, '0x2712'],
  [/InvalidGroupId/, '0x2713'],
  [/OverGroupMemoryLimit/, '0x2716'],
  [/InvalidSignature/, '0x5'],
  [/BadRLP/, '0x2'],
  [/InvalidTransactionFormat/, '0x3'],
  [/Malformed/, '0x2715'],
  [/TransactionRefused/, '0x1d'],
];

export function refusalStatus(message: string): string | undefined {
  for (const [pattern, status] of REFUSAL_STATUS) if (pattern.test(message)) return status;
  return undefined;
}
