/**
 * Events of one contract, block by block. FISCO BCOS 2.x pushes events only over its
 * channel protocol (AMOP/event-log push on the SDK port), not over JSON-RPC, so a
 * connector that speaks JSON-RPC polls: each new block, each transaction's receipt,
 * the logs the contract emitted. Polling is paced to the chain (`pollMs`, default
 * 250 ms) and costs one call per block plus one per transaction.
 */
import type { Interface } from 'ethers';
import type { Hex, ResourceEventRecord } from '../connector.ts';
import { decodeEvent } from './abi.ts';
import type { FiscoRpcClient } from './rpc-client.ts';

export interface ContractEventsOptions {
  client: FiscoRpcClient;
  address: string;
  iface: Interface;
  signal?: AbortSignal;
  pollMs?: number;
}

export async function* contractEvents(options: ContractEventsOptions): AsyncGenerator<ResourceEventRecord> {
  const { client, iface, signal } = options;
  const address = options.address.toLowerCase();
  const pollMs = options.pollMs ?? 250;
  let next = (await client.blockNumber()) + 1n;
  while (!signal?.aborted) {
    const height = await client.blockNumber();
    for (; next <= height && !signal?.aborted; next++) {
      const block = await client.getBlockByNumber(next);
      for (const tx of block.transactions) {
        const hash = typeof tx === 'string' ? tx : tx.hash;
        const receipt = await client.getTransactionReceipt(hash);
        for (const log of receipt?.logs ?? []) {
          if (log.address.toLowerCase() !== address) continue;
          const decoded = decodeEvent(iface, log);
          yield {
            address: log.address,
            ...(decoded ? { name: decoded.name, args: decoded.args } : {}),
            topics: log.topics as Hex[],
            data: log.data as Hex,
            blockNumber: next,
            txId: hash,
          };
        }
      }
    }
    await sleep(pollMs, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
