import type { WalletServices } from '../../services.ts';
import { CaipServices } from '../caip/caip-services.ts';
import type { MethodTable } from '../context.ts';
import { acceptSwap } from './accept-swap.ts';
import { call } from './call.ts';
import { describeResource } from './describe-resource.ts';
import { getRecordMethod } from './get-record.ts';
import { getSession } from './get-session.ts';
import { getTransaction } from './get-transaction.ts';
import { listResources } from './list-resources.ts';
import { ping } from './ping.ts';
import { proposeSwap } from './propose-swap.ts';
import { putRecordMethod } from './put-record.ts';
import { readWithGrant } from './read-with-grant.ts';
import { requestGrant } from './request-grant.ts';
import { requestSession } from './request-session.ts';
import { revokeSession } from './revoke-session.ts';
import { sendCrossChainTransaction } from './send-cross-chain-transaction.ts';
import { sendTransaction } from './send-transaction.ts';
import { servedScopes } from './served-scopes.ts';
import { subscribe, unsubscribe } from './subscribe.ts';
import { ttmList, ttmStatus } from './ttm-status.ts';
import { version } from './version.ts';
import { walletCreateSession } from './wallet-create-session.ts';
import { walletInvokeMethod } from './wallet-invoke-method.ts';
import { walletGetSession, walletRevokeSession } from './wallet-session.ts';

/** Every method a page may call, by name. Each lives in its own file. */
export function providerMethods(services: WalletServices): MethodTable {
  // Made on first use: a table built for a test that never calls these needs none of their services.
  let shared: CaipServices | undefined;
  const caip = () => {
    shared ??= new CaipServices(services);
    return shared;
  };
  const table: MethodTable = {
    weft_ping: ping,
    weft_version: (params) => version(params, services.version),
    weft_requestSession: (params, context) => requestSession(params, context, services),
    weft_getSession: (params, context) => getSession(params, context, services),
    weft_revokeSession: (params, context) => revokeSession(params, context, services),
    weft_resources: (params, context) => listResources(params, context, services),
    weft_describe: (params, context) => describeResource(params, context, services),
    weft_call: (params, context) => call(params, context, services),
    weft_getTransaction: (params, context) => getTransaction(params, context, services),
    weft_sendTransaction: (params, context) => sendTransaction(params, context, services),
    weft_putRecord: (params, context) => putRecordMethod(params, context, services),
    weft_getRecord: (params, context) => getRecordMethod(params, context, services),
    weft_requestGrant: (params, context) => requestGrant(params, context, services),
    weft_readWithGrant: (params, context) => readWithGrant(params, context, services),
    weft_sendCrossChainTransaction: (params, context) => sendCrossChainTransaction(params, context, services),
    weft_proposeSwap: (params, context) => proposeSwap(params, context, services),
    weft_acceptSwap: (params, context) => acceptSwap(params, context, services),
    weft_ttmStatus: (params, context) => ttmStatus(params, context, services),
    weft_ttmList: (params, context) => ttmList(params, context, services),
    weft_scopes: (params) => servedScopes(params, caip()),
    weft_subscribe: (params, context) => subscribe(params, context, services, caip()),
    weft_unsubscribe: (params, context) => unsubscribe(params, context, caip()),
    wallet_createSession: (params, context) => walletCreateSession(params, context, services, caip()),
    wallet_getSession: (params, context) => walletGetSession(params, context, services, caip()),
    wallet_revokeSession: (params, context) => walletRevokeSession(params, context, services),
    wallet_invokeMethod: (params, context) => walletInvokeMethod(params, context, services, caip(), table),
  };
  return table;
}
