import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../../background/provider/errors.ts';
import { handleRequest } from '../../../background/provider/handle-request.ts';
import { providerMethods } from '../../../background/provider/methods/index.ts';
import type { WalletServices } from '../../../background/services.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';

const context = { origin: 'https://dapp.example' };
// weft_ping and weft_version use no wallet service; the chain methods are covered by the e2e tests.
const methods = providerMethods({ version: '1.2.3' } as WalletServices);

describe('handleRequest', () => {
  test('runs a known method with the origin from the context, not from the request', async () => {
    const outcome = await handleRequest(
      { method: 'weft_ping', params: ['x'], origin: 'https://evil.example' },
      context,
      methods,
    );
    assert.deepEqual(outcome, { result: { pong: true, origin: 'https://dapp.example', echo: 'x' } });
  });

  test('answers weft_version with the wallet version', async () => {
    assert.deepEqual(await handleRequest({ method: 'weft_version' }, context, methods), {
      result: { name: 'Weft', version: '1.2.3', apiVersion: 2 },
    });
  });

  test('maps malformed requests, unknown methods and bad params to their codes', async () => {
    const cases: [unknown, number][] = [
      [undefined, ErrorCode.invalidRequest],
      ['weft_ping', ErrorCode.invalidRequest],
      [[{ method: 'weft_ping' }], ErrorCode.invalidRequest],
      [{ method: 'x'.repeat(129) }, ErrorCode.invalidRequest],
      [{ method: 'hasOwnProperty' }, ErrorCode.unsupportedMethod],
      [{ method: '__proto__' }, ErrorCode.unsupportedMethod],
      [{ method: 'weft_nope' }, ErrorCode.unsupportedMethod],
      [{ method: 'weft_ping', params: 7 }, ErrorCode.invalidParams],
      [{ method: 'weft_ping', params: null }, ErrorCode.invalidParams],
      [{ method: 'weft_ping', params: ['x'.repeat(257)] }, ErrorCode.invalidParams],
      // Found by provider.fuzz.test.ts: any params ended the session (no service is reached here).
      [{ method: 'weft_revokeSession', params: [{ path: 'a.b.c' }] }, ErrorCode.invalidParams],
      [{ method: 'weft_revokeSession', params: {} }, ErrorCode.invalidParams],
    ];
    for (const [request, code] of cases) {
      const outcome = await handleRequest(request, context, methods);
      assert.ok('error' in outcome, `no error for ${JSON.stringify(request)}`);
      assert.equal(outcome.error.code, code, `code for ${JSON.stringify(request)}`);
    }
  });

  test('passes a ProviderError through and hides unexpected errors behind -32603', async () => {
    const table = {
      refuse: () => {
        throw new ProviderError(4001, 'User rejected the request.', { reason: 'test' });
      },
      crash: () => {
        throw new Error('secret internal state');
      },
    };
    assert.deepEqual(await handleRequest({ method: 'refuse' }, context, table), {
      error: { code: 4001, message: 'User rejected the request.', data: { reason: 'test' } },
    });
    const originalError = console.error;
    console.error = () => {};
    try {
      const crash = await handleRequest({ method: 'crash' }, context, table);
      assert.deepEqual(crash, { error: { code: ErrorCode.internal, message: 'internal error in crash' } });
    } finally {
      console.error = originalError;
    }
  });
});
