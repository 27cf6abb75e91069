/**
 * qscc, the peer's query system chaincode, for what routers ask through the
 * Gateway's Evaluate: GetChainInfo, GetBlockByNumber, GetBlockByTxID,
 * GetTransactionByID. Answers are the protobufs a real peer returns.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import type { UnpackedProposal } from './endorser.ts';
import type { Ledger } from './ledger.ts';

export interface SystemChaincode {
  invoke(
    args: string[],
    proposal: UnpackedProposal,
  ): { status: number; message: string; payload: Uint8Array };
}

const empty = new Uint8Array(0);

function error(message: string) {
  return { status: 500, message, payload: empty };
}

function ok(payload: Uint8Array) {
  return { status: 200, message: '', payload };
}

export class Qscc implements SystemChaincode {
  readonly #channels: Map<string, Ledger>;

  constructor(channels: Map<string, Ledger>) {
    this.#channels = channels;
  }

  invoke(args: string[]) {
    const [fn = '', channel = '', arg = ''] = args;
    if (args.length < 2) return error(`Incorrect number of arguments, ${args.length}`);
    const ledger = this.#channels.get(channel);
    if (!ledger) return error(`Invalid chain ID, ${channel}`);
    switch (fn) {
      case 'GetChainInfo': {
        const info = new common.BlockchainInfo();
        info.setHeight(Number(ledger.height));
        info.setCurrentblockhash(ledger.currentHash);
        const last = ledger.block(ledger.height - 1n);
        info.setPreviousblockhash(last?.getHeader()?.getPreviousHash_asU8() ?? empty);
        return ok(info.serializeBinary());
      }
      case 'GetBlockByNumber': {
        if (!/^[0-9]+$/.test(arg))
          return error(
            `Failed to parse block number with error strconv.ParseUint: parsing "${arg}": invalid syntax`,
          );
        const bytes = ledger.blockBytes(BigInt(arg));
        return bytes ? ok(bytes) : error(`Failed to get block number ${arg}, error entry not found in index`);
      }
      case 'GetBlockByTxID': {
        const location = ledger.txLocation(arg);
        const bytes = location && ledger.blockBytes(location.blockNum);
        return bytes
          ? ok(bytes)
          : error(`Failed to get block for txID ${arg}, error no such transaction ID [${arg}] in index`);
      }
      case 'GetTransactionByID': {
        const location = ledger.txLocation(arg);
        const block = location && ledger.block(location.blockNum);
        const envelope = block?.getData()?.getDataList_asU8()[location?.txNum ?? 0];
        if (!location || !envelope) {
          return error(
            `Failed to get transaction with id ${arg}, error no such transaction ID [${arg}] in index`,
          );
        }
        const processed = new peer.ProcessedTransaction();
        processed.setTransactionenvelope(common.Envelope.deserializeBinary(envelope));
        processed.setValidationcode(location.code);
        return ok(processed.serializeBinary());
      }
      default:
        return error(`Requested function ${fn} not found.`);
    }
  }
}
