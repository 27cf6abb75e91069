/**
 * `weft_sendTransaction({ path, method, args })`: a write. The user sees the site, the
 * resource, the decoded call and the signing account, and approves; the wallet then
 * builds and signs the chain-native transaction itself and relays it through the
 * routers: FISCO BCOS RLP signed with the session's account; on Fabric a proposal
 * signed with the wallet's Fabric identity, then the endorsed envelope, checked to be
 * the transaction the user approved before it is signed too.
 *
 * A records resource's value and key writes (`put`, `shareKeys`; Fabric `PutRecord`,
 * `ShareKeys`) are refused: records go through `weft_putRecord`, sealed, never in plaintext.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { ProviderResult, Session } from '../../../content/provider-schema.ts';
import { encodeCall } from '../../../p2p/chains/fisco-bcos/abi.ts';
import type { LightClient } from '../../../p2p/client/light-client.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { TransactionApprovalDetails, TransactionSimulation } from '../../approvals/approval-kinds.ts';
import { ApprovalRejectedError, noChoice } from '../../approvals/approval-queue.ts';
import { isRecordsResource } from '../../records/records.ts';
import type { WalletServices } from '../../services.ts';
import { submitFabricWrite } from '../../signing/fabric-write.ts';
import { submitFiscoWrite } from '../../signing/fisco-write.ts';
import type { VerifiedReceipt } from '../../trust/verification.ts';
import { fabricIdentityLabel } from '../../vault/state.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { jsonSafe } from '../json-safe.ts';
import { resourceCall } from './params.ts';
import { requireSession } from './require-session.ts';
import { sessionFabricIdentity } from './session-fabric-identity.ts';
import { describeSessionResource } from './session-resource.ts';
import { trackedWrite } from './tracked-write.ts';

interface Write {
  services: WalletServices;
  context: RequestContext;
  session: Session;
  client: LightClient;
  path: string;
  resource: ResourceEntry;
  method: string;
  args: unknown[];
}

type Receipt = ProviderResult<'weft_sendTransaction'>;

/** A records resource's writes of values and key blobs: only weft_putRecord (and grants) make them, sealed. */
const RECORD_WRITES: ReadonlySet<string> = new Set(['put', 'PutRecord', 'shareKeys', 'ShareKeys']);

export async function sendTransaction(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<Receipt> {
  const { path, method, args } = resourceCall(params, 'weft_sendTransaction');
  const session = await requireSession(services, context, path, method);
  let client: LightClient;
  try {
    client = services.routers.client();
  } catch (error) {
    throw toProviderError(error);
  }
  const resource = await describeSessionResource(services, context, session, path);
  if (isRecordsResource(resource) && RECORD_WRITES.has(method)) {
    throw invalidParams(
      `${path}.${method} would put record data on the chain unsealed: write records with weft_putRecord (the wallet seals them and shares their keys with your grants)`,
      { reason: 'RECORDS_METHOD' },
    );
  }
  const fn = resource.methods.find((m) => m.name === method);
  if (!fn) throw invalidParams(`${path} has no method ${method}`);
  if (fn.kind !== 'write') throw invalidParams(`${path}.${method} is a read: use weft_call`);
  const write: Write = { services, context, session, client, path, resource, method, args };
  return resource.chain.type === 'fabric' ? sendFabric(write) : sendFisco(write);
}

async function sendFisco(write: Write): Promise<Receipt> {
  const { services, session, client, path, resource, method, args } = write;
  const fn = resource.methods.find((m) => m.name === method);
  let data: `0x${string}`;
  try {
    data = encodeCall(resource.abi as never, method, args);
  } catch (error) {
    const signature = `${method}(${fn?.inputs.map((i) => i.type).join(',')})`;
    throw invalidParams(`args do not fit ${signature}: ${(error as Error).message}`);
  }
  const simulation = await simulate(client, path, method, args, session.address);
  await approve(write, { inputs: fn?.inputs ?? [], args: jsonSafe(args), from: session.address, simulation });
  return record(write, session.address, () =>
    submitFiscoWrite(client, services.vault, services.trust, session.account, {
      path,
      to: resource.address,
      data,
      abi: resource.abi,
    }),
  );
}

async function sendFabric(write: Write): Promise<Receipt> {
  const { services, client, path, resource, method } = write;
  if (resource.chain.type !== 'fabric') throw new Error('not a Fabric resource');
  const channel = resource.chain.channel;
  const identity = await sessionFabricIdentity(services.vault, write.session);
  if (!write.args.every((a) => ['string', 'number', 'bigint'].includes(typeof a))) {
    throw invalidParams('Fabric arguments must be strings or numbers');
  }
  const args = write.args.map(String);
  const inputs = resource.methods.find((m) => m.name === method)?.inputs ?? [];
  const from = fabricIdentityLabel(identity);
  await approve(write, { inputs, args, from });
  return record(write, from, () =>
    submitFabricWrite(client, services.vault, services.trust, identity.id, {
      path,
      channel,
      chaincode: resource.address,
      fn: method,
      args,
    }),
  );
}

/**
 * What the write would do, from a read-only run of the same call against the current state
 * (FISCO BCOS `call`), so the approval can say "would fail: reason" before anything is signed.
 */
async function simulate(
  client: LightClient,
  path: string,
  method: string,
  args: unknown[],
  from: string,
): Promise<TransactionSimulation> {
  try {
    const result = await client.call({ path, method, args, from });
    return { outcome: 'success', values: jsonSafe(result.values) };
  } catch (error) {
    return { outcome: 'revert', reason: (error as Error).message };
  }
}

/** Asks the user, showing exactly what will be signed; a rejection is logged and becomes 4001. */
async function approve(
  write: Write,
  call: Pick<TransactionApprovalDetails, 'inputs' | 'args' | 'from' | 'simulation'>,
): Promise<void> {
  const { services, context, path, resource, method } = write;
  try {
    await services.approvals.request(
      'transaction',
      context.origin,
      { path, chain: resource.chain, contract: resource.address, method, ...call },
      noChoice,
    );
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    await services.activity.add({
      origin: context.origin,
      kind: 'transaction',
      summary: `${path}.${method}`,
      account: call.from,
      status: 'rejected',
    });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }
}

/** Signs (as `account`) and relays an approved write, keeping its activity entry up to date. */
function record(write: Write, account: string, submit: () => Promise<VerifiedReceipt>): Promise<Receipt> {
  const { services, context, path, method } = write;
  return trackedWrite({ services, origin: context.origin, summary: `${path}.${method}`, account, submit });
}
