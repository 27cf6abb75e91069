/** What the devnode keeps per block, in memory and in its log. */
import type { FiscoBlock, FiscoReceipt } from '../../chains/fisco-bcos/rpc-types.ts';
import type { ConsensusNodes } from './consensus-precompile.ts';

export interface StoredTransaction {
  raw: string;
  hash: string;
  from: string;
  /** The randomid (hex), kept so a restart rebuilds the used-nonce set without decoding. */
  randomid: string;
}

export interface StoredBlock {
  /** The block as getBlockByNumber reports it (transactions as hashes). */
  header: FiscoBlock;
  txs: StoredTransaction[];
  receipts: FiscoReceipt[];
  /** The sealer and observer lists after this block, when its transactions changed them. */
  nextNodes?: ConsensusNodes;
}
