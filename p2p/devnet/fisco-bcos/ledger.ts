/**
 * The devnode's chain for one group: a txpool with the checks of a FISCO BCOS 2.x TxPool, a real
 * EVM (@ethereumjs/evm over a Merkle state trie) that executes sealed blocks, signed block
 * headers, and a block log that makes every sealed block durable before it is visible.
 */
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM, type EVM, type EVMRunCallOpts, type Log } from '@ethereumjs/evm';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import {
  Account,
  type Address,
  bigIntToUnpaddedBytes,
  bytesToHex,
  createAddressFromString,
  hexToBytes,
  setLengthLeft,
} from '@ethereumjs/util';
import { Bloom } from '@ethereumjs/vm';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { AbiCoder } from 'ethers';
import { blockHeaderHash } from '../../chains/fisco-bcos/block-header.ts';
import type {
  FiscoBlock,
  FiscoLog,
  FiscoReceipt,
  FiscoTransaction,
} from '../../chains/fisco-bcos/rpc-types.ts';
import { decodeTransaction } from '../../chains/fisco-bcos/transaction.ts';
import { transactionStatusName } from '../../chains/fisco-bcos/transaction-status.ts';
import { BlockLog } from './block-log.ts';
import { claimDataDir } from './chain-identity.ts';
import type { StoredBlock, StoredTransaction } from './ledger-types.ts';
import { RecordingDB } from './recording-db.ts';
import { loadSealerKeys, type Sealer, sealerFromKey } from './sealers.ts';
import { type ChainView, type PendingTx, TxPool } from './tx-pool.ts';

export interface LedgerOptions {
  chainId: number;
  groupId: number;
  /** Where blocks, state and sealer keys live; in memory only when undefined. */
  dataDir?: string;
  /** Hex secp256k1 keys of the sealers; generated (and kept in dataDir) when absent. */
  sealerKeys?: string[];
  sealerCount?: number;
  /** FISCO BCOS default `tx_count_limit`. */
  maxTxsPerBlock?: number;
  /** FISCO BCOS default txpool `limit`. */
  poolLimit?: number;
  /** Bytes of pending transactions the pool holds before OverGroupMemoryLimit. */
  poolMemoryLimit?: number;
}

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
const ZERO_HASH = `0x${'00'.repeat(32)}`;
const MAX_GAS = 0x7fffffffffffffffn;

/** EVM halts mapped to FISCO BCOS transaction statuses. */
const HALT_STATUS: Record<string, string> = {
  revert: '0x16',
  'out of gas': '0xc',
  'code store out of gas': '0xc',
  'invalid opcode': '0xa',
  'invalid JUMP': '0xb',
  'stack overflow': '0xd',
  'stack underflow': '0xe',
  'create collision': '0x18',
};

type BlockEnv = NonNullable<EVMRunCallOpts['block']>;

interface Execution {
  status: string;
  output: string;
  gasUsed: bigint;
  logs: FiscoLog[];
  createdAddress?: string;
}

const hex = (n: bigint | number) => `0x${n.toString(16)}`;
const keccakHex = (bytes: Uint8Array) => bytesToHex(keccak_256(bytes));

export class Ledger implements ChainView {
  readonly chainId: number;
  readonly groupId: number;
  readonly sealers: Sealer[];
  readonly #evm: EVM;
  readonly #state: MerkleStateManager;
  readonly #db: RecordingDB;
  readonly #log: BlockLog;
  readonly #blocks: StoredBlock[] = [];
  readonly #blockByHash = new Map<string, number>();
  readonly #txIndex = new Map<string, { block: number; index: number }>();
  readonly #chainNonces = new Set<bigint>();
  readonly #pool: TxPool;
  readonly #maxTxsPerBlock: number;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    options: LedgerOptions,
    evm: EVM,
    state: MerkleStateManager,
    db: RecordingDB,
    log: BlockLog,
  ) {
    this.chainId = options.chainId;
    this.groupId = options.groupId;
    this.#evm = evm;
    this.#state = state;
    this.#db = db;
    this.#log = log;
    this.#maxTxsPerBlock = options.maxTxsPerBlock ?? 1000;
    this.#pool = new TxPool({
      ...(options.poolLimit === undefined ? {} : { limit: options.poolLimit }),
      ...(options.poolMemoryLimit === undefined ? {} : { memoryLimit: options.poolMemoryLimit }),
    });
    const keys = loadSealerKeys(options.dataDir, options.sealerKeys, options.sealerCount ?? 4);
    this.sealers = keys.map(sealerFromKey);
  }

  static async open(options: LedgerOptions): Promise<Ledger> {
    if (options.dataDir !== undefined) claimDataDir(options.dataDir, options.chainId, options.groupId);
    // The CHAINID opcode reports the FISCO chainId; London is the newest fork whose opcodes
    // Solidity emits for the contracts' evmVersion.
    const common = createCustomCommon(
      { name: `fisco-bcos-${options.chainId}`, chainId: options.chainId },
      Mainnet,
      { hardfork: Hardfork.London },
    );
    const db = new RecordingDB();
    const trie = new MerklePatriciaTrie({ db, useKeyHashing: true, common });
    // Read-through caches keep hot accounts and slots off the trie until the block flushes.
    const state = new MerkleStateManager({ trie, common, caches: new Caches() });
    const evm = await createEVM({ common, stateManager: state });
    const { log, entries } = BlockLog.open(options.dataDir);
    const ledger = new Ledger(options, evm, state, db, log);
    for (const entry of entries) {
      db.apply(entry.trie);
      ledger.#index(entry.block);
    }
    const last = ledger.#blocks.at(-1);
    if (last) await state.setStateRoot(hexToBytes(last.header.stateRoot as `0x${string}`));
    else await ledger.#commit(ledger.#buildBlock([], [], bytesToHex(await state.getStateRoot()), 0), []);
    return ledger;
  }

  get blockNumber(): bigint {
    return BigInt(this.#blocks.length - 1);
  }

  get pendingCount(): number {
    return this.#pool.size;
  }

  /** The system config keys a 2.x node answers in getSystemConfigByKey, with its defaults. */
  get systemConfig(): Readonly<Record<string, string>> {
    return {
      tx_count_limit: String(this.#maxTxsPerBlock),
      tx_gas_limit: '300000000',
      rpbft_epoch_sealer_num: String(this.sealers.length),
      rpbft_epoch_block_num: '1000',
      consensus_timeout: '3',
    };
  }

  get transactionCounts(): { txSum: number; failedTxSum: number } {
    let txSum = 0;
    let failedTxSum = 0;
    for (const block of this.#blocks) {
      txSum += block.receipts.length;
      failedTxSum += block.receipts.filter((r) => r.status !== '0x0').length;
    }
    return { txSum, failedTxSum };
  }

  isCommitted(hash: string): boolean {
    return this.#txIndex.has(hash);
  }

  /** FISCO BCOS refuses a randomid seen in the chain (within the block-limit window; here ever). */
  isNonceUsed(randomid: bigint): boolean {
    return this.#chainNonces.has(randomid);
  }

  /** Admits a signed transaction to the pool (see TxPool) and returns its hash. */
  submit(raw: string): string {
    return this.#pool.admit(raw, this);
  }

  /** Executes a read against the latest state and throws nothing away but the changes. */
  call(from: string, to: string, data: string): Promise<{ status: string; output: string }> {
    return this.#exclusive(async () => {
      await this.#state.checkpoint();
      try {
        const outcome = await this.#run({
          caller: createAddressFromString(from),
          to,
          data: hexToBytes(data as `0x${string}`),
          gasLimit: MAX_GAS,
          env: this.#blockEnv(this.blockNumber, BigInt(Date.now())),
        });
        return { status: outcome.status, output: outcome.output };
      } finally {
        await this.#state.revert();
      }
    });
  }

  async getCode(address: string): Promise<string> {
    return this.#exclusive(async () =>
      bytesToHex(await this.#state.getCode(createAddressFromString(address))),
    );
  }

  /** Seals the pending transactions (up to the block limit) into one block; `force` seals an empty one. */
  seal(force = false): Promise<StoredBlock | undefined> {
    return this.#exclusive(() => this.#seal(force));
  }

  block(number: bigint): StoredBlock | undefined {
    return number < 0n ? undefined : this.#blocks[Number(number)];
  }

  blockByHash(hash: string): StoredBlock | undefined {
    const n = this.#blockByHash.get(hash.toLowerCase());
    return n === undefined ? undefined : this.#blocks[n];
  }

  transaction(hash: string): FiscoTransaction | null {
    const at = this.#txIndex.get(hash.toLowerCase());
    if (!at) return null;
    const block = this.#blocks[at.block] as StoredBlock;
    return transactionJson(block.txs[at.index] as StoredTransaction, block.header, at.index);
  }

  receipt(hash: string): FiscoReceipt | null {
    const at = this.#txIndex.get(hash.toLowerCase());
    return at ? ((this.#blocks[at.block] as StoredBlock).receipts[at.index] ?? null) : null;
  }

  blockJson(block: StoredBlock, includeTransactions: boolean): FiscoBlock {
    if (!includeTransactions) return block.header;
    return { ...block.header, transactions: block.txs.map((t, i) => transactionJson(t, block.header, i)) };
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {});
    this.#log.close();
  }

  async #seal(force: boolean): Promise<StoredBlock | undefined> {
    const number = this.blockNumber + 1n;
    const batch = this.#pool.batch(this.#maxTxsPerBlock, this.blockNumber);
    if (batch.length === 0 && !force) return undefined;
    const parent = this.#blocks.at(-1) as StoredBlock;
    const timestamp = Math.max(Date.now(), Number(BigInt(parent.header.timestamp)) + 1);
    const env = this.#blockEnv(number, BigInt(timestamp));
    const receipts: FiscoReceipt[] = [];
    await this.#state.checkpoint();
    try {
      for (const [index, p] of batch.entries()) receipts.push(await this.#execute(p, index, number, env));
      await this.#state.commit();
    } catch (error) {
      await this.#state.revert();
      throw error;
    }
    const stateRoot = bytesToHex(await this.#state.getStateRoot());
    const txs = batch.map((p) => ({
      raw: p.tx.raw,
      hash: p.tx.hash,
      from: p.from,
      randomid: hex(p.tx.fields.randomid),
    }));
    const block = this.#buildBlock(txs, receipts, stateRoot, timestamp);
    await this.#commit(block, this.#db.drain());
    this.#pool.remove(batch);
    return block;
  }

  async #execute(p: PendingTx, index: number, number: bigint, env: BlockEnv): Promise<FiscoReceipt> {
    const { fields } = p.tx;
    const caller = createAddressFromString(p.from);
    if (fields.to === null) {
      // FISCO BCOS derives a contract address from the sender and the randomid: rlp([sender, randomid]).
      const account = (await this.#state.getAccount(caller)) ?? new Account();
      account.nonce = fields.randomid;
      await this.#state.putAccount(caller, account);
    }
    const gasLimit = fields.gasLimit > MAX_GAS ? MAX_GAS : fields.gasLimit;
    const outcome = await this.#run({ caller, to: fields.to, data: hexToBytes(fields.data), gasLimit, env });
    const { status, logs } = outcome;
    const receipt: FiscoReceipt = {
      blockHash: ZERO_HASH,
      blockNumber: hex(number),
      contractAddress: outcome.createdAddress ?? ZERO_ADDRESS,
      from: p.from,
      gasUsed: hex(outcome.gasUsed),
      input: fields.data,
      logs,
      logsBloom: bloomOf(logs),
      output: outcome.output,
      root: ZERO_HASH,
      status,
      statusMsg: transactionStatusName(status),
      remainGas: hex(gasLimit - outcome.gasUsed),
      to: fields.to ?? ZERO_ADDRESS,
      transactionHash: p.tx.hash,
      transactionIndex: hex(index),
    };
    return receipt;
  }

  /**
   * One top-level EVM message. Like FISCO BCOS's Executive::call, a call to an address with no
   * code (and no precompile) fails with CallAddressError and an `Error(string)` output.
   */
  async #run(message: {
    caller: Address;
    to: string | null;
    data: Uint8Array;
    gasLimit: bigint;
    env: BlockEnv;
  }): Promise<Execution> {
    if (message.to !== null && !isPrecompile(message.to)) {
      const code = await this.#state.getCode(createAddressFromString(message.to));
      if (code.length === 0) {
        return {
          status: '0x1a',
          output: errorOutput(`Error address:${message.to.slice(2)}`),
          gasUsed: 0n,
          logs: [],
        };
      }
    }
    const result = await this.#evm.runCall({
      caller: message.caller,
      origin: message.caller,
      ...(message.to === null ? {} : { to: createAddressFromString(message.to) }),
      data: message.data,
      gasLimit: message.gasLimit,
      skipNonceIncrement: message.to !== null,
      skipBalance: true,
      block: message.env,
    });
    const error = result.execResult.exceptionError?.error;
    const status = error === undefined ? '0x0' : (HALT_STATUS[error] ?? '0x1');
    return {
      status,
      output: bytesToHex(result.execResult.returnValue),
      gasUsed: result.execResult.executionGasUsed,
      logs: status === '0x0' ? (result.execResult.logs ?? []).map(logJson) : [],
      ...(status === '0x0' && result.createdAddress
        ? { createdAddress: result.createdAddress.toString() }
        : {}),
    };
  }

  #blockEnv(number: bigint, timestampMs: bigint): BlockEnv {
    return {
      header: {
        number,
        coinbase: createAddressFromString(ZERO_ADDRESS),
        timestamp: timestampMs / 1000n,
        difficulty: 0n,
        prevRandao: new Uint8Array(32),
        gasLimit: MAX_GAS,
        baseFeePerGas: 0n,
        getBlobGasPrice: () => undefined,
      },
    };
  }

  #buildBlock(
    txs: StoredTransaction[],
    receipts: FiscoReceipt[],
    stateRoot: string,
    timestamp: number,
  ): StoredBlock {
    const parent = this.#blocks.at(-1);
    const number = parent ? BigInt(parent.header.number) + 1n : 0n;
    const sealerIndex = Number(number % BigInt(this.sealers.length));
    const sealerList = this.sealers.map((s) => s.nodeId);
    const gasUsed = receipts.reduce((sum, r) => sum + BigInt(r.gasUsed), 0n);
    const logsBloom = new Bloom();
    for (const r of receipts) logsBloom.or(new Bloom(hexToBytes(r.logsBloom as `0x${string}`)));
    const header = {
      parentHash: parent?.header.hash ?? ZERO_HASH,
      stateRoot,
      transactionsRoot: keccakHex(RLP.encode(txs.map((t) => hexToBytes(t.hash as `0x${string}`)))),
      receiptsRoot: keccakHex(RLP.encode(receipts.map(receiptItems))),
      dbHash: stateRoot,
      logsBloom: bytesToHex(logsBloom.bitvector),
      number: hex(number),
      gasLimit: '0x0',
      gasUsed: hex(gasUsed),
      timestamp: hex(timestamp),
      extraData: [] as string[],
      sealer: hex(sealerIndex),
      sealerList,
    };
    const hashBytes = blockHeaderHash(header);
    const hash = bytesToHex(hashBytes);
    const fiscoBlock: FiscoBlock = {
      ...header,
      hash,
      signatureList: this.sealers.map((s, i) => ({ index: hex(i), signature: s.sign(hashBytes) })),
      transactions: txs.map((t) => t.hash),
    };
    for (const r of receipts) {
      r.blockHash = hash;
      r.root = stateRoot;
    }
    return { header: fiscoBlock, txs, receipts };
  }

  /** Durable first, visible second. */
  async #commit(block: StoredBlock, trie: ReturnType<RecordingDB['drain']>): Promise<void> {
    this.#log.append({ block, trie });
    this.#index(block);
  }

  #index(block: StoredBlock): void {
    const n = this.#blocks.length;
    this.#blocks.push(block);
    this.#blockByHash.set(block.header.hash, n);
    block.txs.forEach((t, index) => {
      this.#txIndex.set(t.hash, { block: n, index });
      this.#chainNonces.add(BigInt(t.randomid));
    });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** EVM precompiles live at 0x01 to 0x11; FISCO BCOS's own precompiled contracts are not simulated. */
function isPrecompile(address: string): boolean {
  const n = BigInt(address);
  return n >= 1n && n <= 0x11n;
}

/** What Executive::writeErrInfoToOutput writes: the message ABI-encoded as `Error(string)`. */
function errorOutput(message: string): string {
  return `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], [message]).slice(2)}`;
}

function logJson(log: Log): FiscoLog {
  const [address, topics, data] = log;
  return { address: bytesToHex(address), topics: topics.map((t) => bytesToHex(t)), data: bytesToHex(data) };
}

function bloomOf(logs: FiscoLog[]): string {
  const bloom = new Bloom();
  for (const log of logs) {
    bloom.add(hexToBytes(log.address as `0x${string}`));
    for (const t of log.topics) bloom.add(hexToBytes(t as `0x${string}`));
  }
  return bytesToHex(bloom.bitvector);
}

function receiptItems(r: FiscoReceipt): Uint8Array[] {
  return [
    hexToBytes(r.transactionHash as `0x${string}`),
    bigIntToUnpaddedBytes(BigInt(r.status)),
    bigIntToUnpaddedBytes(BigInt(r.gasUsed)),
    hexToBytes(r.output as `0x${string}`),
    hexToBytes(r.logsBloom as `0x${string}`),
  ];
}

function transactionJson(t: StoredTransaction, header: FiscoBlock, index: number): FiscoTransaction {
  const { fields, signature } = decodeTransaction(t.raw as `0x${string}`);
  // JSON shows r and s as h256, zero-padded, though the RLP carries them as minimal integers.
  const [r, s] = [bytesToHex(setLengthLeft(signature.r, 32)), bytesToHex(setLengthLeft(signature.s, 32))];
  return {
    blockHash: header.hash,
    blockNumber: header.number,
    from: t.from,
    gas: hex(fields.gasLimit),
    gasPrice: hex(fields.gasPrice),
    hash: t.hash,
    input: fields.data,
    nonce: hex(fields.randomid),
    to: fields.to ?? ZERO_ADDRESS,
    transactionIndex: hex(index),
    value: hex(fields.value),
    blockLimit: hex(fields.blockLimit),
    chainId: hex(fields.chainId),
    groupId: hex(fields.groupId),
    extraData: fields.extraData,
    // ECDSASignature::asBytes is r || s || v with v the recovery id.
    signature: {
      r,
      s,
      v: hex(signature.v[0] ?? 0),
      signature: `${r}${s.slice(2)}${((signature.v[0] ?? 27) - 27).toString(16).padStart(2, '0')}`,
    },
  };
}
