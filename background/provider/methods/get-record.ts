/**
 * `weft_getRecord({ path, record })`: one of the user's records, read from the chain (FISCO
 * BCOS `get` from the session's account, Fabric `GetRecord` endorsed for the session's
 * identity) and opened in the wallet with the account's keys: `{ record, fields }` in
 * plaintext. No approval (the site's session covers the resource), but the keys need the
 * wallet unlocked. A value that does not open (altered, moved, not sealed by this account) is
 * refused, never shown: AES-GCM authenticates every value.
 */
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { ProviderResult } from '../../../content/provider-schema.ts';
import { readOwnRecord } from '../../records/records.ts';
import type { WalletServices } from '../../services.ts';
import type { RequestContext } from '../context.ts';
import { ProviderError } from '../errors.ts';
import { getRecordParams, recordsError, recordsTarget } from './records-session.ts';

export async function getRecordMethod(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_getRecord'>> {
  const { path, record } = getRecordParams(params);
  const { options } = await recordsTarget(services, context, path, 'get');
  if (!services.vault.isUnlocked()) {
    throw new ProviderError(ErrorCode.unauthorized, 'the wallet is locked: unlock it to read your records', {
      reason: 'LOCKED',
    });
  }
  try {
    return await readOwnRecord(options, record);
  } catch (error) {
    throw recordsError(error);
  }
}
