/** Shared set-up for FISCO BCOS integration tests: a devnode on a free port and a client for it. */

import type { Hex } from '../../../p2p/chains/connector.ts';
import { encodeDeploy } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { assetArtifact, keyValueArtifact } from '../../../p2p/chains/fisco-bcos/contracts/index.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { FiscoRpcClient } from '../../../p2p/chains/fisco-bcos/rpc-client.ts';
import type { FiscoReceipt } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import type { TransactionSigner } from '../../../p2p/chains/fisco-bcos/signature-scheme.ts';
import {
  signTransaction,
  type TransactionRequest,
  transactionFields,
} from '../../../p2p/chains/fisco-bcos/transaction.ts';
import { type Devnode, type DevnodeOptions, startDevnode } from '../../../p2p/devnet/fisco-bcos/devnode.ts';

export interface Harness {
  node: Devnode;
  client: FiscoRpcClient;
  signer: EcdsaSigner;
  /** Signs a transaction for this node with sensible defaults (blockLimit = height + 500). */
  sign(
    request: Partial<TransactionRequest> & { to: string | null; data: Hex },
    signer?: TransactionSigner,
  ): Promise<Hex>;
  /** Sends, seals at once, and returns the receipt, all over HTTP. */
  send(raw: Hex): Promise<FiscoReceipt>;
  deploy(artifact: { abi: readonly unknown[]; bytecode: string }, args?: unknown[]): Promise<string>;
}

export async function startHarness(options: DevnodeOptions = {}): Promise<Harness> {
  const node = await startDevnode({ port: 0, blockIntervalMs: 0, sealerCount: 1, ...options });
  const client = new FiscoRpcClient({ url: node.url, groupId: node.groupId });
  const signer = EcdsaSigner.random();
  const harness: Harness = {
    node,
    client,
    signer,
    async sign(request, by = signer) {
      const blockLimit = request.blockLimit ?? (await client.blockNumber()) + 500n;
      const fields = transactionFields({
        chainId: node.chainId,
        groupId: node.groupId,
        ...request,
        blockLimit,
      });
      return signTransaction(fields, by).raw;
    },
    async send(raw) {
      const hash = await client.sendRawTransaction(raw);
      await node.sealNow();
      return client.waitForReceipt(hash, { timeoutMs: 5000 });
    },
    async deploy(artifact, args = []) {
      const receipt = await harness.send(
        await harness.sign({ to: null, data: encodeDeploy(artifact.abi as never, artifact.bytecode, args) }),
      );
      if (receipt.status !== '0x0') throw new Error(`deploy failed with status ${receipt.status}`);
      return receipt.contractAddress;
    },
  };
  return harness;
}

export { assetArtifact, keyValueArtifact };
