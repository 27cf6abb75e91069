/** JSON shapes of FISCO BCOS 2.x JSON-RPC results: numbers are hex strings, as the node sends them. */

export interface FiscoLog {
  address: string;
  topics: string[];
  data: string;
}

export interface FiscoReceipt {
  blockHash: string;
  blockNumber: string;
  contractAddress: string;
  from: string;
  gasUsed: string;
  input: string;
  logs: FiscoLog[];
  logsBloom: string;
  output: string;
  root: string;
  status: string;
  /** The status by name (`None`, `RevertInstruction` ...), as 2.x nodes add it. */
  statusMsg?: string;
  remainGas?: string;
  to: string | null;
  transactionHash: string;
  transactionIndex: string;
}

export interface FiscoTransaction {
  blockHash: string | null;
  blockNumber: string | null;
  from: string;
  gas: string;
  gasPrice: string;
  hash: string;
  input: string;
  nonce: string;
  to: string | null;
  transactionIndex: string | null;
  value: string;
  blockLimit?: string;
  chainId?: string;
  groupId?: string;
  extraData?: string;
  signature?: { r: string; s: string; v: string; signature: string };
}

export interface FiscoBlockSignature {
  index: string;
  signature: string;
}

export interface FiscoBlock {
  dbHash: string;
  extraData: string[];
  gasLimit: string;
  gasUsed: string;
  hash: string;
  logsBloom: string;
  number: string;
  parentHash: string;
  receiptsRoot: string;
  sealer: string;
  sealerList: string[];
  signatureList: FiscoBlockSignature[];
  stateRoot: string;
  timestamp: string;
  /** Hashes, or full transactions when asked with `includeTransactions`. */
  transactions: (string | FiscoTransaction)[];
  transactionsRoot: string;
}

/** getBlockHeaderByNumber / getBlockHeaderByHash: a block without its transactions. */
export type FiscoBlockHeaderJson = Omit<FiscoBlock, 'transactions'>;

/** One level of a 2.x Merkle proof: sibling nodes left and right of the path, hex without 0x. */
export interface FiscoMerkleProofLevelJson {
  left: string[];
  right: string[];
}

export interface FiscoTransactionWithProof {
  transaction: FiscoTransaction;
  txProof: FiscoMerkleProofLevelJson[];
}

export interface FiscoReceiptWithProof {
  transactionReceipt: FiscoReceipt;
  receiptProof: FiscoMerkleProofLevelJson[];
}

export interface FiscoCallResult {
  currentBlockNumber: string;
  output: string;
  status: string;
}

export interface FiscoClientVersion {
  'Build Time'?: string;
  'Build Type'?: string;
  'Chain Id'?: string;
  'FISCO-BCOS Version': string;
  'Git Branch'?: string;
  'Git Commit Hash'?: string;
  'Supported Version'?: string;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc?: string;
  id: number | string | null;
  result?: unknown;
  error?: JsonRpcErrorObject;
}
