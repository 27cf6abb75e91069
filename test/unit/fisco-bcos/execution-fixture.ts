/**
 * FISCO BCOS evidence for the execution verifier's tests, made in process by the devnode's
 * ledger (no RPC): known sealer keys, a committee that can change the sealer set, the
 * transaction/receipt proofs and sealed headers exactly as the devnode's JSON-RPC answers them.
 */
import { Interface } from 'ethers';
import type { FiscoChainProfile, FiscoTxEvidence } from '../../../p2p/chains/chain-profile.ts';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import type { FiscoBlockHeaderJson } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import type { TransactionSigner } from '../../../p2p/chains/fisco-bcos/signature-scheme.ts';
import { Sm2Signer } from '../../../p2p/chains/fisco-bcos/sm2.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { CONSENSUS_PRECOMPILE } from '../../../p2p/devnet/fisco-bcos/consensus-precompile.ts';
import { Ledger, type LedgerOptions } from '../../../p2p/devnet/fisco-bcos/ledger.ts';
import { type Sealer, sealerFromKey } from '../../../p2p/devnet/fisco-bcos/sealers.ts';

export const sealerKeys = [1, 2, 3, 4].map((i) => `0x${i.toString(16).padStart(64, '0')}`);
export const sealers: Sealer[] = sealerKeys.map((key) => sealerFromKey(key));
export const strangers: Sealer[] = [11, 12, 13, 14].map((i) =>
  sealerFromKey(`0x${i.toString(16).padStart(64, '0')}`),
);

const consensus = new Interface(['function addSealer(string)', 'function remove(string)']);

export interface Chain {
  ledger: Ledger;
  committee: TransactionSigner;
  user: TransactionSigner;
  /** Signs and submits; returns the hash (seal to include it). */
  submit(to: string | null, data: Hex, by?: TransactionSigner): Hex;
  seal(): Promise<bigint>;
  evidence(hash: string): FiscoTxEvidence;
  header(n: bigint): FiscoBlockHeaderJson | null;
  /** The anchor a wallet takes at block `n` (the sealer list its header carries). */
  anchorAt(n: bigint): FiscoChainProfile;
  removeSealer(nodeId: string): Promise<bigint>;
  addSealer(nodeId: string): Promise<bigint>;
}

export async function openChain(options: Partial<LedgerOptions> = {}): Promise<Chain> {
  const guomi = options.crypto === 'sm';
  const committee = guomi ? Sm2Signer.random() : EcdsaSigner.random();
  const user = guomi ? Sm2Signer.random() : EcdsaSigner.random();
  const ledger = await Ledger.open({
    chainId: 1,
    groupId: 1,
    nodeVersion: '2.9.1',
    sealerKeys,
    observerCount: 1,
    committee: committee.address,
    ...options,
  });
  const chain: Chain = {
    ledger,
    committee,
    user,
    submit(to, data, by = user) {
      const fields = transactionFields({
        chainId: ledger.chainId,
        groupId: ledger.groupId,
        to,
        data,
        blockLimit: ledger.blockNumber + 500n,
      });
      return ledger.submit(signTransaction(fields, by).raw) as Hex;
    },
    async seal() {
      await ledger.seal(true);
      return ledger.blockNumber;
    },
    evidence(hash) {
      const transaction = ledger.transactionWithProof(hash);
      const receipt = ledger.receiptWithProof(hash);
      if (!transaction || !receipt) throw new Error(`no evidence for ${hash}`);
      const header = chain.header(BigInt(receipt.transactionReceipt.blockNumber));
      if (!header) throw new Error('no header');
      return structuredClone({ transaction, receipt, header });
    },
    header(n) {
      const block = ledger.block(n);
      return block ? structuredClone(ledger.headerJson(block, true)) : null;
    },
    anchorAt(n) {
      const header = chain.header(n);
      const genesis = chain.header(0n);
      if (!header || !genesis) throw new Error('no header');
      return {
        type: 'fisco-bcos',
        chainId: ledger.chainId,
        groupId: ledger.groupId,
        crypto: guomi ? 'sm' : 'ecdsa',
        genesisHash: genesis.hash as Hex,
        sealers: header.sealerList,
        sealersAt: Number(n),
        receiptsWithRemainGas: true,
      };
    },
    async removeSealer(nodeId) {
      chain.submit(CONSENSUS_PRECOMPILE, consensus.encodeFunctionData('remove', [nodeId]) as Hex, committee);
      return chain.seal();
    },
    async addSealer(nodeId) {
      chain.submit(
        CONSENSUS_PRECOMPILE,
        consensus.encodeFunctionData('addSealer', [nodeId]) as Hex,
        committee,
      );
      return chain.seal();
    },
  };
  return chain;
}

/** `headerAt` over the ledger, counting fetches; `override` replaces chosen headers (a liar). */
export function headerSource(
  chain: Chain,
  override: Map<bigint, FiscoBlockHeaderJson | null> = new Map(),
): { headerAt(n: bigint): Promise<FiscoBlockHeaderJson | null>; fetched: bigint[] } {
  const fetched: bigint[] = [];
  return {
    fetched,
    async headerAt(n) {
      fetched.push(n);
      return override.has(n) ? (override.get(n) ?? null) : chain.header(n);
    },
  };
}

/** Seals `header` (its hash as is) with `by`, at the given indexes. */
export function reseal(
  header: FiscoBlockHeaderJson,
  by: Array<{ sealer: Sealer; index: number }>,
): FiscoBlockHeaderJson {
  const hash = Uint8Array.from(Buffer.from(header.hash.slice(2), 'hex'));
  return {
    ...header,
    signatureList: by.map(({ sealer, index }) => ({
      index: `0x${index.toString(16)}`,
      signature: sealer.sign(hash),
    })),
  };
}
