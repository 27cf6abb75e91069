/**
 * Validates one provider request and runs its method. Never throws: every outcome
 * is a result or an EIP-1193 / JSON-RPC error object, so a bad request from a page
 * can never break the worker or leave the page waiting.
 */
import { ErrorCode, type RpcErrorObject } from '../../content/provider-protocol.ts';
import type { RequestContext } from './context.ts';
import { ProviderError } from './errors.ts';

/** Methods by name: the wallet's `MethodTable` (context.ts), or a test's own. */
export type Methods = Readonly<Record<string, (params: unknown, context: RequestContext) => unknown>>;

export type Outcome = { result: unknown } | { error: RpcErrorObject };

const MAX_METHOD_LENGTH = 128;

export async function handleRequest(
  request: unknown,
  context: RequestContext,
  methods: Methods,
): Promise<Outcome> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return fail(ErrorCode.invalidRequest, 'request must be an object { method, params }');
  }
  const { method, params } = request as { method?: unknown; params?: unknown };
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) {
    return fail(ErrorCode.invalidRequest, 'method must be a non-empty string');
  }
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return fail(ErrorCode.invalidParams, 'params must be an array or an object');
  }
  const run = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!run) return fail(ErrorCode.unsupportedMethod, `unsupported method: ${method}`);
  try {
    return { result: await run(params, context) };
  } catch (error) {
    if (error instanceof ProviderError) return { error: error.toObject() };
    // Unexpected failures are reported without internals (no stack, no state) to the page.
    console.error(`weft: ${method} failed`, error);
    return fail(ErrorCode.internal, `internal error in ${method}`);
  }
}

function fail(code: number, message: string): Outcome {
  return { error: { code, message } };
}
