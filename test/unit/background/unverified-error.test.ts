/**
 * A router's answer the chain does not back reaches the dapp as a typed refusal, never a success:
 * the provider's -32000 with `data.reason` UNVERIFIED, the resource and why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHAIN_ERROR, toProviderError } from '../../../background/provider/chain-errors.ts';
import { EvidenceRefusedError } from '../../../background/trust/verification.ts';

test('an EvidenceRefusedError becomes -32000 with data.reason UNVERIFIED, the path and the reason', () => {
  const refused = new EvidenceRefusedError('payment.bcos.asset', 'the chain shows no receipt for 0xab');
  const error = toProviderError(refused);
  assert.equal(error.code, CHAIN_ERROR);
  assert.equal(CHAIN_ERROR, -32000);
  assert.deepEqual(error.data, {
    reason: 'UNVERIFIED',
    path: 'payment.bcos.asset',
    detail: 'the chain shows no receipt for 0xab',
  });
  assert.match(error.message, /unverified answer for payment\.bcos\.asset/);
});
