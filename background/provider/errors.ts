import { ErrorCode, type RpcErrorObject } from '../../content/provider-protocol.ts';

/** An error a provider method throws on purpose; it reaches the dapp as `{ code, message, data }`. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly code: number;
  readonly data?: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }

  toObject(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export const invalidParams = (message: string, data?: unknown) =>
  new ProviderError(ErrorCode.invalidParams, message, data);
