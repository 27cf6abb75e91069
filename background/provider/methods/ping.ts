import type { PingResult } from '../../../content/provider-schema.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';

/** `weft_ping`: a harmless request that proves the whole page -> worker -> page path. */
export function ping(params: unknown, context: RequestContext): PingResult {
  if (params === undefined || (Array.isArray(params) && params.length === 0)) {
    return { pong: true, origin: context.origin };
  }
  if (
    Array.isArray(params) &&
    params.length === 1 &&
    typeof params[0] === 'string' &&
    params[0].length <= 256
  ) {
    return { pong: true, origin: context.origin, echo: params[0] };
  }
  throw invalidParams('weft_ping takes no params or one string of at most 256 characters');
}
