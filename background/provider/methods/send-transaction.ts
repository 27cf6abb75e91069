/**
 * `weft_sendTransaction({ path, method, args })`: a write. The user sees the site, the
 * resource, the decoded call and the signing account, and approves; the wallet then
 * builds and signs the chain-native transaction itself and relays it through the
 * routers: FISCO BCOS RLP signed with the session's account; on Fabric a proposal
 * signed with the wallet's Fabric identity, then the endorsed envelope, checked to be
 * the transaction the user approved before it is signed too.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import { signPreparedTransaction, signProposal } from '../../../p2p/chains/fabric/offline-signing.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import { EcdsaSigner } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { signTransaction, transactionFields } from '../../../p2p/chains/fisco-bcos/transaction.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import { ApprovalRejectedError } from '../../approvals/approval-queue.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';
import type { WalletServices } from '../services.ts';
import { argList, methodName, objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';

/** Margin under FISCO BCOS's 1000-block window for `blockLimit`. */
const BLOCK_LIMIT_MARGIN = 500n;

export async function sendTransaction(params: unknown, context: RequestContext, services: WalletServices) {
  const input = objectParam(params, 'weft_sendTransaction');
  const path = resourcePath(input.path);
  const method = methodName(input.method);
  const args = argList(input.args);
  const session = await requireSession(services, context, path);
  const client = (() => {
    try {
      return services.routers.client();
    } catch (error) {
      throw toProviderError(error);
    }
  })();

  const resource = await client.describe(path).catch((error) => {
    throw toProviderError(error);
  });
  const fn = resource.methods.find((m) => m.name === method);
  if (!fn) throw invalidParams(`${path} has no method ${method}`);
  if (fn.kind !== 'write') throw invalidParams(`${path}.${method} is a read: use weft_call`);
  if (resource.chain.type === 'fabric') {
    return sendFabric(services, context, { client, path, resource, method, args });
  }
  let data: `0x${string}`;
  try {
    data = encodeCall(resource.abi as never, method, args);
  } catch (error) {
    throw invalidParams(
      `args do not fit ${method}(${fn.inputs.map((i) => i.type).join(',')}): ${(error as Error).message}`,
    );
  }

  try {
    await services.approvals.request('transaction', context.origin, {
      path,
      chain: resource.chain,
      contract: resource.address,
      method,
      inputs: fn.inputs,
      args: jsonSafe(args),
      from: session.address,
    });
  } catch (error) {
    if (error instanceof ApprovalRejectedError)
      throw new ProviderError(ErrorCode.userRejected, error.message);
    throw error;
  }

  try {
    const info = await client.chainInfo(path);
    if (info.chain.type !== 'fisco-bcos') throw new Error('chain type changed');
    const fields = transactionFields({
      to: resource.address,
      data,
      chainId: info.chain.chainId,
      groupId: info.chain.groupId,
      blockLimit: info.blockNumber + BLOCK_LIMIT_MARGIN,
    });
    const key = services.vault.privateKey(session.account);
    const signed = signTransaction(fields, new EcdsaSigner(key));
    key.fill(0);
    return jsonSafe(await client.submit(path, signed.raw));
  } catch (error) {
    throw toProviderError(error);
  }
}

interface FabricWrite {
  client: ReturnType<WalletServices['routers']['client']>;
  path: string;
  resource: ResourceEntry;
  method: string;
  args: unknown[];
}

async function sendFabric(services: WalletServices, context: RequestContext, write: FabricWrite) {
  const { client, path, resource, method } = write;
  if (resource.chain.type !== 'fabric') throw new Error('not a Fabric resource');
  const channel = resource.chain.channel;
  const [identity] = await services.vault.fabricIdentities();
  if (!identity) {
    throw new ProviderError(
      ErrorCode.unauthorized,
      'no Fabric identity in the wallet: import one in the popup',
    );
  }
  if (!write.args.every((a) => ['string', 'number', 'bigint'].includes(typeof a))) {
    throw invalidParams('Fabric arguments must be strings or numbers');
  }
  const args = write.args.map(String);
  try {
    await services.approvals.request('transaction', context.origin, {
      path,
      chain: resource.chain,
      contract: resource.address,
      method,
      inputs: resource.methods.find((m) => m.name === method)?.inputs ?? [],
      args,
      from: `${identity.name} (${identity.mspId})`,
    });
  } catch (error) {
    if (error instanceof ApprovalRejectedError)
      throw new ProviderError(ErrorCode.userRejected, error.message);
    throw error;
  }
  try {
    const signer = services.vault.fabricSigningIdentity(identity.id);
    const proposal = signProposal(signer, { channel, chaincode: resource.address, fn: method, args });
    const prepared = await client.prepare(path, proposal.signed);
    // The envelope must be the transaction the user approved: same txid, creator, chaincode and function.
    const { signed } = signPreparedTransaction(signer, prepared.unsigned, {
      txId: proposal.txId,
      fn: method,
      chaincode: resource.address,
    });
    signer.privateKey.fill(0);
    return jsonSafe(await client.submit(path, signed));
  } catch (error) {
    throw toProviderError(error);
  }
}
