/**
 * CAIP-25's failure codes as provider errors. The message starts with the CAIP's own words for
 * the code, then says what in the request it was about; `data` names the scopes, methods or
 * notifications concerned so a dapp can drop them and ask again.
 */
import { CaipErrorCode } from '../../../content/caip-schema.ts';
import { ProviderError } from '../errors.ts';

type CaipCode = (typeof CaipErrorCode)[keyof typeof CaipErrorCode];

const TITLES: Record<CaipCode, string> = {
  [CaipErrorCode.unsupportedChains]: 'Requested networks are not supported',
  [CaipErrorCode.unsupportedMethods]: 'Requested methods are not supported',
  [CaipErrorCode.unsupportedNotifications]: 'Requested notifications are not supported',
  [CaipErrorCode.unknownMethods]: 'Unknown method(s) requested',
  [CaipErrorCode.unknownNotifications]: 'Unknown notification(s) requested',
  [CaipErrorCode.chainDefinedTwice]: 'ChainId defined in two different scopes',
  [CaipErrorCode.invalidScopedProperties]: 'Invalid scopedProperties requested',
  [CaipErrorCode.scopedPropertiesMisplaced]: 'scopedProperties can only be outside of sessionScopes',
  [CaipErrorCode.invalidSessionProperties]: 'Invalid sessionProperties requested',
};

export function caipError(code: CaipCode, detail: string, data?: Record<string, unknown>): ProviderError {
  return new ProviderError(code, `${TITLES[code]}: ${detail}`, data);
}
