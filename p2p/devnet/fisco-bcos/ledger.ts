/**
 * The devnode's chain for one group: a txpool with the checks of a FISCO BCOS 2.x TxPool, a real
 * EVM (@ethereumjs/evm over a Merkle state trie) that executes sealed blocks, headers with FISCO
 * 2.x Merkle roots sealed by a PBFT quorum of sealers, the consensus precompile that changes the
 * sealer set, and a block log that makes every sealed block durable before it is visible.
 */
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createEVM, type EVM, type EVMRunCallOpts, type Log } from '@ethereumjs/evm';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import {
  Account,
  type Address,
  bytesToHex,
  createAddressFromString,
  hexToBytes,
  setLengthLeft,
} from '@ethereumjs/util';
import { Bloom } from '@ethereumjs/vm';
import { AbiCoder } from 'ethers';
import { blockHeaderHash, pbftQuorum } from '../../chains/fisco-bcos/block-header.ts';
import { ecdsaScheme } from '../../chains/fisco-bcos/ecdsa.ts';
import {
  type FiscoMerkleProof,
  merkleLeaf,
  merkleProofs,
  merkleRoot,
} from '../../chains/fisco-bcos/merkle.ts';
import { receiptHasRemainGas, receiptLeaf } from '../../chains/fisco-bcos/receipt.ts';
import type {
  FiscoBlock,
  FiscoLog,
  FiscoReceipt,
  FiscoTransaction,
} from '../../chains/fisco-bcos/rpc-types.ts';
import type { SignatureScheme } from '../../chains/fisco-bcos/signature-scheme.ts';
import { sm2Scheme } from '../../chains/fisco-bcos/sm2.ts';
import { decodeTransaction } from '../../chains/fisco-bcos/transaction.ts';
import { transactionStatusName } from '../../chains/fisco-bcos/transaction-status.ts';
import { BlockLog } from './block-log.ts';
import { claimDataDir } from './chain-identity.ts';
import {
  CONSENSUS_PRECOMPILE,
  type ConsensusNodes,
  callConsensusPrecompile,
} from './consensus-precompile.ts';
import type { StoredBlock, StoredTransaction } from './ledger-types.ts';
import { RecordingDB } from './recording-db.ts';
import { type DevnodeCrypto, loadNodeKeys, type Sealer, sealerFromKey } from './sealers.ts';
import { type ChainView, type PendingTx, TxPool } from './tx-pool.ts';

export interface LedgerOptions {
  chainId: number;
  groupId: number;
  /** Where blocks, state and sealer keys live; in memory only when undefined. */
  dataDir?: string;
  /** Hex private keys of the genesis sealers; generated (and kept in dataDir) when absent. */
  sealerKeys?: string[];
  sealerCount?: number;
  /** Genesis observers (nodes that a committee can later make sealers), each with its own key. */
  observerCount?: number;
  /**
   * How many sealers of the signing set do not sign (are "down"); at most f = ⌊(N−1)/3⌋, so
   * blocks still carry the quorum N − f. With f of them down, blocks carry exactly the quorum.
   */
  sealersDown?: number;
  /** `ecdsa` (secp256k1 + keccak256) or `sm` (guomi: SM2 + SM3). */
  crypto?: DevnodeCrypto;
  /** The committee account allowed to change the sealer set (fixed at genesis); none when absent. */
  committee?: string;
  /** The FISCO BCOS version the node reports; from 2.9 receipts carry remainGas in their RLP. */
  nodeVersion?: string;
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

/** What getTransactionByHashWithProof / getTransactionReceiptByHashWithProof answer. */
export interface TransactionProofJson {
  transaction: FiscoTransaction;
  txProof: FiscoMerkleProof;
}
export interface ReceiptProofJson {
  transactionReceipt: FiscoReceipt;
  receiptProof: FiscoMerkleProof;
}

/** A block's proofs, built once for all its transactions and receipts when first asked for. */
interface BlockProofs {
  tx: FiscoMerkleProof[];
  receipt: FiscoMerkleProof[];
}
const PROOF_CACHE_BLOCKS = 64;

export class Ledger implements ChainView {
  readonly chainId: number;
  readonly groupId: number;
  readonly scheme: SignatureScheme;
  /** Who may call the consensus precompile (lower-case address), fixed at genesis. */
  readonly committee: string | null;
  readonly #keys = new Map<string, Sealer>();
  readonly #sealersDown: number;
  readonly #withRemainGas: boolean;
  /** The sealer and observer lists the next block's header will carry. */
  #nodes: ConsensusNodes;
  readonly #proofs = new Map<number, BlockProofs>();
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
    committee: string | null,
    evm: EVM,
    state: MerkleStateManager,
    db: RecordingDB,
    log: BlockLog,
  ) {
    this.chainId = options.chainId;
    this.groupId = options.groupId;
    const crypto = options.crypto ?? 'ecdsa';
    this.scheme = crypto === 'sm' ? sm2Scheme : ecdsaScheme;
    this.committee = committee;
    this.#withRemainGas = receiptHasRemainGas(options.nodeVersion ?? '2.9.1');
    this.#evm = evm;
    this.#state = state;
    this.#db = db;
    this.#log = log;
    this.#maxTxsPerBlock = options.maxTxsPerBlock ?? 1000;
    this.#pool = new TxPool({
      ...(options.poolLimit === undefined ? {} : { limit: options.poolLimit }),
      ...(options.poolMemoryLimit === undefined ? {} : { memoryLimit: options.poolMemoryLimit }),
    });
    const sealers = loadNodeKeys(options.dataDir, options.sealerKeys, options.sealerCount ?? 4, crypto).map(
      (key) => sealerFromKey(key, crypto),
    );
    const observers = loadNodeKeys(
      options.dataDir,
      undefined,
      options.observerCount ?? 0,
      crypto,
      'observers.json',
    ).map((key) => sealerFromKey(key, crypto));
    for (const node of [...sealers, ...observers]) this.#keys.set(node.nodeId, node);
    this.#nodes = { sealers: sealers.map((s) => s.nodeId), observers: observers.map((s) => s.nodeId) };
    const down = options.sealersDown ?? 0;
    const f = sealers.length - pbftQuorum(Math.max(sealers.length, 1));
    if (sealers.length === 0 || !Number.isInteger(down) || down < 0 || down > f) {
      throw new RangeError(`${sealers.length} sealers tolerate at most ${f} down, not ${down}`);
    }
    this.#sealersDown = down;
  }

  static async open(options: LedgerOptions): Promise<Ledger> {
    const wanted = {
      chainId: options.chainId,
      groupId: options.groupId,
      crypto: options.crypto ?? 'ecdsa',
      committee: options.committee?.toLowerCase() ?? null,
    } as const;
    const identity = options.dataDir === undefined ? wanted : claimDataDir(options.dataDir, wanted);
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
    const ledger = new Ledger(options, identity.committee, evm, state, db, log);
    for (const entry of entries) {
      db.apply(entry.trie);
      ledger.#index(entry.block);
    }
    const last = ledger.#blocks.at(-1);
    if (last) {
      await state.setStateRoot(hexToBytes(last.header.stateRoot as `0x${string}`));
      // The lists change only through the precompile, and each change is kept with its block.
      const changed = entries.findLast((entry) => entry.block.nextNodes !== undefined);
      if (changed?.block.nextNodes) ledger.#nodes = changed.block.nextNodes;
    } else
      await ledger.#commit(
        ledger.#buildBlock([], [], bytesToHex(await state.getStateRoot()), 0, ledger.#nodes),
        [],
      );
    return ledger;
  }

  /** The sealers in force (getSealerList): what the next header carries. */
  get sealerList(): string[] {
    return [...this.#nodes.sealers];
  }

  get observerList(): string[] {
    return [...this.#nodes.observers];
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
      rpbft_epoch_sealer_num: String(this.#nodes.sealers.length),
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
    return transactionJson(block.txs[at.index] as StoredTransaction, block.header, at.index, this.scheme);
  }

  receipt(hash: string): FiscoReceipt | null {
    const at = this.#txIndex.get(hash.toLowerCase());
    return at ? ((this.#blocks[at.block] as StoredBlock).receipts[at.index] ?? null) : null;
  }

  /** The transaction with its proof against its block's transactionsRoot; null when unknown. */
  transactionWithProof(hash: string): TransactionProofJson | null {
    const at = this.#txIndex.get(hash.toLowerCase());
    const transaction = this.transaction(hash);
    if (!at || !transaction) return null;
    return { transaction, txProof: this.#blockProofs(at.block).tx[at.index] as FiscoMerkleProof };
  }

  /** The receipt with its proof against its block's receiptsRoot; null when unknown. */
  receiptWithProof(hash: string): ReceiptProofJson | null {
    const at = this.#txIndex.get(hash.toLowerCase());
    const transactionReceipt = this.receipt(hash);
    if (!at || !transactionReceipt) return null;
    return {
      transactionReceipt,
      receiptProof: this.#blockProofs(at.block).receipt[at.index] as FiscoMerkleProof,
    };
  }

  /** getBlockHeaderByNumber/ByHash: the header fields and hash, with the seals when asked. */
  headerJson(block: StoredBlock, includeSignatures: boolean): Omit<FiscoBlock, 'transactions'> {
    const { transactions: _, signatureList, ...header } = block.header;
    return includeSignatures ? { ...header, signatureList } : { ...header, signatureList: [] };
  }

  blockJson(block: StoredBlock, includeTransactions: boolean): FiscoBlock {
    if (!includeTransactions) return block.header;
    return {
      ...block.header,
      transactions: block.txs.map((t, i) => transactionJson(t, block.header, i, this.scheme)),
    };
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
    const nodesBefore = this.#nodes;
    await this.#state.checkpoint();
    try {
      for (const [index, p] of batch.entries()) receipts.push(await this.#execute(p, index, number, env));
      await this.#state.commit();
    } catch (error) {
      this.#nodes = nodesBefore;
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
    const block = this.#buildBlock(txs, receipts, stateRoot, timestamp, nodesBefore);
    if (this.#nodes !== nodesBefore) block.nextNodes = this.#nodes;
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
    const outcome =
      fields.to === CONSENSUS_PRECOMPILE
        ? this.#consensusCall(p.from, fields.data)
        : await this.#run({ caller, to: fields.to, data: hexToBytes(fields.data), gasLimit, env });
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

  /** A sealed call to 0x1003: changes the lists the next header carries, if the committee asks. */
  #consensusCall(from: string, data: string): Execution {
    const outcome = callConsensusPrecompile(this.#nodes, from, this.committee, data);
    this.#nodes = outcome.nodes;
    return { status: '0x0', output: outcome.output, gasUsed: 30_000n, logs: [] };
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

  /**
   * Roots as FISCO 2.x computes them, the header listing the sealers in force (so a change made
   * in the parent shows here), sealed by the parent's sealer list: a change is announced in a
   * header the old set signs, and the new set seals from the block after.
   */
  #buildBlock(
    txs: StoredTransaction[],
    receipts: FiscoReceipt[],
    stateRoot: string,
    timestamp: number,
    nodes: ConsensusNodes,
  ): StoredBlock {
    const parent = this.#blocks.at(-1);
    const number = parent ? BigInt(parent.header.number) + 1n : 0n;
    const sealerList = nodes.sealers;
    const sealerIndex = Number(number % BigInt(sealerList.length));
    const signingSet = parent?.header.sealerList ?? sealerList;
    const { hash: H } = this.scheme;
    const gasUsed = receipts.reduce((sum, r) => sum + BigInt(r.gasUsed), 0n);
    const logsBloom = new Bloom();
    for (const r of receipts) logsBloom.or(new Bloom(hexToBytes(r.logsBloom as `0x${string}`)));
    const header = {
      parentHash: parent?.header.hash ?? ZERO_HASH,
      stateRoot,
      transactionsRoot: bytesToHex(
        merkleRoot(
          txs.map((t, i) => merkleLeaf(i, hexToBytes(t.hash as `0x${string}`))),
          H,
        ),
      ),
      receiptsRoot: bytesToHex(
        merkleRoot(
          receipts.map((r, i) => receiptLeaf({ ...r, root: stateRoot }, i, this.#withRemainGas, this.scheme)),
          H,
        ),
      ),
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
    const hashBytes = blockHeaderHash(header, this.scheme);
    const hash = bytesToHex(hashBytes);
    const fiscoBlock: FiscoBlock = {
      ...header,
      hash,
      signatureList: this.#sealSignatures(signingSet, hashBytes),
      transactions: txs.map((t) => t.hash),
    };
    for (const r of receipts) {
      r.blockHash = hash;
      r.root = stateRoot;
    }
    return { header: fiscoBlock, txs, receipts };
  }

  /**
   * Commit seals of the signing set's sealers whose keys this node holds (a sealer added by node
   * ID alone has no key here and is down), minus `sealersDown` of them, in index order.
   */
  #sealSignatures(signingSet: readonly string[], hashBytes: Uint8Array): FiscoBlock['signatureList'] {
    const up = signingSet.flatMap((id, index) => {
      const key = this.#keys.get(id);
      return key ? [{ index, key }] : [];
    });
    return up
      .slice(0, Math.max(up.length - this.#sealersDown, 0))
      .map(({ index, key }) => ({ index: hex(index), signature: key.sign(hashBytes) }));
  }

  #blockProofs(number: number): BlockProofs {
    const cached = this.#proofs.get(number);
    if (cached) return cached;
    const block = this.#blocks[number] as StoredBlock;
    const H = this.scheme.hash;
    const proofs: BlockProofs = {
      tx: merkleProofs(
        block.txs.map((t, i) => merkleLeaf(i, hexToBytes(t.hash as `0x${string}`))),
        H,
      ),
      receipt: merkleProofs(
        block.receipts.map((r, i) => receiptLeaf(r, i, this.#withRemainGas, this.scheme)),
        H,
      ),
    };
    if (this.#proofs.size >= PROOF_CACHE_BLOCKS)
      this.#proofs.delete(this.#proofs.keys().next().value as number);
    this.#proofs.set(number, proofs);
    return proofs;
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

function transactionJson(
  t: StoredTransaction,
  header: FiscoBlock,
  index: number,
  scheme: SignatureScheme,
): FiscoTransaction {
  const { fields, signature } = decodeTransaction(t.raw as `0x${string}`, scheme);
  // JSON shows r and s as h256, zero-padded, though the RLP carries them as minimal integers.
  const [r, s] = [bytesToHex(setLengthLeft(signature.r, 32)), bytesToHex(setLengthLeft(signature.s, 32))];
  // ECDSASignature::asBytes is r || s || v with v the recovery id; SM2Signature's is r || s || public key.
  const recoveryId = (signature.v[0] ?? 27) - 27;
  const [v, tail] =
    scheme.name === 'sm2-sm3'
      ? [bytesToHex(signature.v), bytesToHex(signature.v).slice(2)]
      : [hex(recoveryId), recoveryId.toString(16).padStart(2, '0')];
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
    signature: { r, s, v, signature: `${r}${s.slice(2)}${tail}` },
  };
}
