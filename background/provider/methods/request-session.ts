import { ErrorCode } from '../../../content/provider-protocol.ts';
import { ApprovalRejectedError } from '../../approvals/approval-queue.ts';
import type { Session } from '../../sessions/session-store.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import type { WalletServices } from '../services.ts';
import { objectParam, resourcePath } from './params.ts';

/**
 * `weft_requestSession({ resources })`: asks the user to let this site use these
 * resource paths with their default account. An existing session that already covers
 * them is returned without asking.
 */
export async function requestSession(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<Session> {
  const { resources } = objectParam(params, 'weft_requestSession');
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32) {
    throw invalidParams('resources must list 1 to 32 resource paths');
  }
  const paths = [...new Set(resources.map((r, i) => resourcePath(r, `resources[${i}]`)))];
  const existing = await services.sessions.get(context.origin);
  if (existing && paths.every((p) => existing.resources.includes(p))) return existing;

  const [account] = await services.vault.accounts();
  if (!account)
    throw new ProviderError(ErrorCode.unauthorized, 'the wallet has no account yet: open the popup');
  try {
    await services.approvals.request('session', context.origin, {
      resources: paths,
      account: account.address,
      accountName: account.name,
    });
  } catch (error) {
    if (!(error instanceof ApprovalRejectedError)) throw error;
    const summary = paths.join(', ');
    await services.activity.add({ origin: context.origin, kind: 'session', summary, status: 'rejected' });
    throw new ProviderError(ErrorCode.userRejected, error.message);
  }
  const session: Session = {
    origin: context.origin,
    resources: [...new Set([...(existing?.resources ?? []), ...paths])],
    account: account.index,
    address: account.address,
    createdAt: Date.now(),
  };
  await services.sessions.put(session);
  await services.activity.add({
    origin: context.origin,
    kind: 'session',
    summary: paths.join(', '),
    status: 'success',
  });
  return session;
}
