import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { Session } from '../../sessions/session-store.ts';
import type { RequestContext } from '../context.ts';
import { ProviderError } from '../errors.ts';
import type { WalletServices } from '../services.ts';

/** The caller's session, covering `path` (and `method`) when given; 4100 otherwise. */
export async function requireSession(
  services: WalletServices,
  context: RequestContext,
  path?: string,
  method?: string,
): Promise<Session> {
  const session = await services.sessions.get(context.origin);
  if (!session) throw new ProviderError(ErrorCode.unauthorized, 'no session: call weft_requestSession first');
  if (path !== undefined && !session.resources.includes(path)) {
    throw new ProviderError(ErrorCode.unauthorized, `the session does not include ${path}`);
  }
  const allowed = path !== undefined ? session.methods?.[path] : undefined;
  if (method !== undefined && allowed && !allowed.includes(method)) {
    throw new ProviderError(ErrorCode.unauthorized, `the session does not allow ${path}.${method}`);
  }
  services.touch();
  return session;
}
