/**
 * Checks every block a running devpeer has produced through the product's block
 * verifier, as a wallet would: the trust comes from block 0 taken out of band
 * (`genesisBlock`), the blocks from each organisation's peer through qscc, and the
 * chaincodes' endorsement policies from their definitions. The integration tests call it
 * when they close a devpeer, so every block they made is checked.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { decodeBlock } from '../../../p2p/chains/fabric/block-file.ts';
import { verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { newDigestSigner } from '../../../p2p/chains/fabric/identity.ts';
import type { Policy } from '../../../p2p/chains/fabric/policy.ts';
import type { Devpeer, DevpeerNode } from '../../../p2p/devnet/fabric/devpeer.ts';

const encoder = new TextEncoder();

/** The devpeer's `OutOf(n, 'OrgA.peer', ...)` as a signature policy. */
function policyOf(devpeer: Devpeer, chaincode: string): Policy | undefined {
  const policy = devpeer.policyOf(chaincode);
  if (!policy) return undefined;
  return {
    type: 'signature',
    rule: { outOf: policy.n, rules: policy.orgs.map((_, i) => ({ signedBy: i })) },
    principals: policy.orgs.map((mspId) => ({ mspId, role: 'peer' })),
  };
}

/** Every block of `channel` as `node` serves it through qscc, asked by one of its organisation's clients. */
async function blocksFrom(node: DevpeerNode, channel: string): Promise<Uint8Array[]> {
  const identity = node.identities.user1 ?? Object.values(node.identities)[0];
  assert.ok(identity, `${node.name} has no client identity`);
  const credentials = node.tlsRootCertificate
    ? grpc.credentials.createSsl(Buffer.from(node.tlsRootCertificate))
    : grpc.credentials.createInsecure();
  const client = new grpc.Client(node.address, credentials);
  const gateway = connect({
    client,
    identity: { mspId: identity.mspId, credentials: encoder.encode(identity.certificate) },
    signer: newDigestSigner(identity.privateKey),
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
  });
  try {
    const qscc = gateway.getNetwork(channel).getContract('qscc');
    const height = common.BlockchainInfo.deserializeBinary(
      await qscc.evaluateTransaction('GetChainInfo', channel),
    ).getHeight();
    const blocks: Uint8Array[] = [];
    for (let n = 0; n < height; n++)
      blocks.push(await qscc.evaluateTransaction('GetBlockByNumber', channel, String(n)));
    return blocks;
  } finally {
    gateway.close();
    client.close();
  }
}

/**
 * Verifies each block of each channel on both peers: the chain from block 0, the orderer's
 * signatures, every transaction's signatures and endorsements, and that no peer marked VALID
 * a transaction the checks refuse. Both peers must serve the same bytes. Returns how many
 * blocks and transactions were checked.
 */
export async function verifyDevpeerLedgers(
  devpeer: Devpeer,
): Promise<{ blocks: number; transactions: number }> {
  let blocks = 0;
  let transactions = 0;
  for (const channel of devpeer.channels) {
    const trust = readChannelConfig(decodeBlock(devpeer.genesisBlock(channel)));
    const [first, ...others] = await Promise.all(devpeer.peers.map((node) => blocksFrom(node, channel)));
    assert.ok(first);
    for (const other of others) assert.deepEqual(other.map(Buffer.from), first.map(Buffer.from));
    let previousHeaderHash: Uint8Array | undefined;
    for (const bytes of first) {
      const verdict = verifyBlock(decodeBlock(bytes), trust, {
        ...(previousHeaderHash ? { previousHeaderHash } : {}),
        endorsementPolicy: (chaincode) => policyOf(devpeer, chaincode),
      });
      assert.ok(verdict.valid, `${channel} block ${verdict.number}: ${verdict.problems.join('; ')}`);
      for (const tx of verdict.transactions) {
        assert.ok(
          !tx.filterContradiction,
          `${channel} block ${verdict.number} tx ${tx.index} (${tx.chaincode}) marked VALID but: ${tx.problems.join('; ')}`,
        );
        // A transaction the checks accept is one the peers also accepted, unless a later check
        // (MVCC, duplicate id) that needs the ledger's state invalidated it.
        if (tx.valid && tx.filterCode !== 0) {
          assert.ok(
            [9, 11, 12].includes(tx.filterCode),
            `${channel} block ${verdict.number} tx ${tx.index}: peers wrote ${tx.filterCodeName} for a transaction whose evidence holds`,
          );
        }
        transactions++;
      }
      previousHeaderHash = verdict.headerHash;
      blocks++;
    }
  }
  return { blocks, transactions };
}
