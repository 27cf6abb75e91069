import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AbiCoder, encodeRlp, hexlify } from 'ethers';
import { ChainRejectedError, ChainRevertError } from '../../../p2p/chains/errors.ts';
import { decodeRevertReason } from '../../../p2p/chains/fisco-bcos/abi.ts';
import {
  FiscoExecutionError,
  FiscoRpcError,
  FiscoTransactionRefusedError,
} from '../../../p2p/chains/fisco-bcos/errors.ts';
import { encodeRlpList } from '../../../p2p/chains/fisco-bcos/rlp-encode.ts';
import { assertReceiptOk, toRpcError } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import type { FiscoReceipt } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import { normaliseStatus, transactionStatusName } from '../../../p2p/chains/fisco-bcos/transaction-status.ts';

test('a -32603 txpool refusal becomes FiscoTransactionRefusedError with the status it names', () => {
  const message =
    'Dynamic exception type: boost::wrapexcept<dev::eth::TransactionRefused>\nstd::exception::what: TransactionRefused\n[dev::tag_comment*] = BlockLimitCheckFailed, txBlockLimit=0, txHash=0accad42…\n';
  const error = toRpcError(-32603, message);
  assert.ok(error instanceof FiscoTransactionRefusedError);
  assert.ok(error instanceof ChainRejectedError);
  assert.equal(error.code, -32603);
  assert.equal(error.status, '0x10');
  assert.equal(error.statusName, 'BlockLimitCheckFail');
  assert.equal(error.rpcMessage, message);
  assert.match(error.message, /BlockLimitCheckFailed, txBlockLimit=0/);
  assert.equal((toRpcError(-32603, 'x InvalidChainId y') as FiscoTransactionRefusedError).status, '0x2712');
  assert.equal(
    (toRpcError(-32603, 'TransactionAlreadyKown, txHash=') as FiscoTransactionRefusedError).status,
    '0x2710',
  );
});

test('other node errors stay FiscoRpcError with the node code and message', () => {
  const error = toRpcError(-40001, 'GroupID does not exist');
  assert.ok(error instanceof FiscoRpcError);
  assert.ok(!(error instanceof FiscoTransactionRefusedError));
  assert.equal(error.rpcCode, -40001);
  assert.equal(error.rpcMessage, 'GroupID does not exist');
  assert.ok(!(toRpcError(-32603, 'INTERNAL_ERROR: something else') instanceof FiscoTransactionRefusedError));
});

test('revert reasons decode from Error(string) and Panic(uint256); anything else is undefined', () => {
  const coder = AbiCoder.defaultAbiCoder();
  assert.equal(decodeRevertReason(`0x08c379a0${coder.encode(['string'], ['nope']).slice(2)}`), 'nope');
  assert.equal(decodeRevertReason(`0x4e487b71${coder.encode(['uint256'], [0x11]).slice(2)}`), 'Panic(0x11)');
  assert.equal(decodeRevertReason('0x'), undefined);
  assert.equal(decodeRevertReason('0x08c379a0dead'), undefined);
  assert.equal(decodeRevertReason('0x12345678'), undefined);
});

test('receipt statuses: 0x0 passes, 0x16 throws a ChainRevertError with the reason', () => {
  const coder = AbiCoder.defaultAbiCoder();
  const receipt = { status: '0x0', output: '0x', transactionHash: '0xab' } as FiscoReceipt;
  assert.equal(assertReceiptOk(receipt), receipt);
  const output = `0x08c379a0${coder.encode(['string'], ['Asset: insufficient balance']).slice(2)}`;
  assert.throws(
    () => assertReceiptOk({ ...receipt, status: '0x16', output }),
    (e: unknown) =>
      e instanceof FiscoExecutionError &&
      e instanceof ChainRevertError &&
      e.reason === 'Asset: insufficient balance' &&
      e.statusName === 'RevertInstruction',
  );
  assert.equal(normaliseStatus('0x00'), '0x0');
  assert.equal(transactionStatusName('0x2713'), 'InvalidGroupId');
});

test('the RLP list encoder agrees with ethers for short, long and single-byte items', () => {
  const items = [
    new Uint8Array(0),
    Uint8Array.of(0x05),
    Uint8Array.of(0x80),
    new Uint8Array(55).fill(1),
    new Uint8Array(56).fill(2),
    new Uint8Array(300).fill(3),
  ];
  assert.equal(hexlify(encodeRlpList(items)), encodeRlp(items));
  const many = Array.from({ length: 40 }, (_, i) => new Uint8Array(i).fill(i));
  assert.equal(hexlify(encodeRlpList(many)), encodeRlp(many));
});
