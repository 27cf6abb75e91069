import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import type { RequestContext } from '../context.ts';
import { ProviderError } from '../errors.ts';

/** The caller's session, covering `path` (and `method`) when given; 4100 otherwise. */
export async function requireSession(
  services: WalletServices,
  context: RequestContext,
  path?: string,
  method?: string,
): Promise<Session> {
  const session = await services.sessions.get(context.origin);
  if (!session) throw new ProviderError(ErrorCode.unauthorized, 'no session: call weft_requestSession first');
  if (path !== undefined) requireCovered(session, path, method);
  // No auto-lock touch: a page's requests are not the user's use (background/wallet/auto-lock.ts).
  return session;
}

/** 4100 unless `session` includes `path` (and allows `method` there): for a method using several paths. */
export function requireCovered(session: Session, path: string, method?: string): void {
  if (!session.resources.includes(path)) {
    throw new ProviderError(ErrorCode.unauthorized, `the session does not include ${path}`);
  }
  const allowed = session.methods?.[path];
  if (method !== undefined && allowed && !allowed.includes(method)) {
    throw new ProviderError(ErrorCode.unauthorized, `the session does not allow ${path}.${method}`);
  }
}
