/**
 * `weft_putRecord({ path, record, fields })`: writes one of the user's records, sealed in the
 * wallet (docs/grants.md, "Encryption"). The popup shows the site, the resource, the record,
 * each field and value, and who will be able to read them: the user, and the sites of the
 * user's active grants covering the record, each with its fields. Once approved, the wallet
 * seals the fields with the session account's records secret, wraps their keys for those
 * grants, and writes the record as the session's account (FISCO BCOS `put`) or Fabric identity
 * (`PutRecord`). Answers like `weft_sendTransaction`: the verified receipt.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { ProviderResult } from '../../../content/provider-schema.ts';
import type { RecordApprovalDetails } from '../../approvals/approval-kinds.ts';
import { ApprovalRejectedError, noChoice } from '../../approvals/approval-queue.ts';
import { activeAudiences, coveredFields, type RecordAudience } from '../../records/active-grants.ts';
import { putRecord, recordsMethod } from '../../records/records.ts';
import type { WalletServices } from '../../services.ts';
import { fabricIdentityLabel } from '../../vault/state.ts';
import type { RequestContext } from '../context.ts';
import { ProviderError } from '../errors.ts';
import { putRecordParams, recordsError, recordsTarget } from './records-session.ts';
import { trackedWrite } from './tracked-write.ts';

export async function putRecordMethod(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_putRecord'>> {
  const { path, record, fields } = putRecordParams(params);
  const target = await recordsTarget(services, context, path, 'put');
  const { session, entry, identity, options } = target;
  const method = recordsMethod(entry, 'put');
  const summary = `${path}.${method}`;
  const audiences = async (): Promise<RecordAudience[]> =>
    activeAudiences(await services.grants.list(), { issuer: session.address, resource: path, record });
  const shown = await audiences();
  const account = (await services.vault.accounts()).find((a) => a.index === session.account);
  if (!account) throw new ProviderError(ErrorCode.unauthorized, 'the session account is not in the wallet');
  const names = Object.keys(fields);
  const details: RecordApprovalDetails = {
    path,
    chain: entry.chain,
    contract: entry.address,
    record,
    fields: Object.entries(fields).map(([name, value]) => ({ name, value })),
    from: identity ? fabricIdentityLabel(identity) : session.address,
    sealedBy: { address: account.address, name: account.name },
    readers: shown.map((a) => ({
      origin: a.origin,
      grantId: a.grantId,
      fields: coveredFields(a.fields, names),
    })),
  };
  try {
    await services.approvals.request('record', context.origin, details, noChoice);
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    await services.activity.add({
      origin: context.origin,
      kind: 'transaction',
      summary,
      account: details.from,
      status: 'rejected',
    });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }
  // Grants may have been revoked while the user looked: wrap for those still active, never for one not shown.
  const approved = new Set(shown.map((a) => a.grantId.toLowerCase()));
  const readers = (await audiences()).filter((a) => approved.has(a.grantId.toLowerCase()));
  return trackedWrite({
    services,
    origin: context.origin,
    summary,
    account: details.from,
    submit: () => putRecord(options, { record, fields, audiences: readers }),
    toError: recordsError,
  });
}
