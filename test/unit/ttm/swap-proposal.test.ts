/** What `weft_acceptSwap` takes as a proposal: checked field by field, -32602 naming the field. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../../../background/provider/errors.ts';
import { parseProposal } from '../../../background/provider/methods/accept-swap.ts';

const proposal = () => ({
  weftSwap: 1,
  id: `0x${'11'.repeat(32)}`,
  hashLock: `0x${'22'.repeat(32)}`,
  initiatorLock: {
    path: 'payment.bcos.asset',
    chain: 'fisco-bcos',
    from: '0x00000000000000000000000000000000000000a1',
    to: '0x00000000000000000000000000000000000000b2',
    amount: '5',
    timelock: 2_000_000_000,
  },
  participantLock: {
    path: 'trade.fab.asset',
    chain: 'fabric',
    to: 'user1',
    amount: '7',
    timelock: 1_999_999_000,
  },
});

function refused(field: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ProviderError);
    assert.equal(error.code, -32602);
    assert.match(error.message, field);
    return true;
  };
}

describe('swap proposals', () => {
  test('a proposal as weft_proposeSwap returns it, as an object or as JSON text', () => {
    const parsed = parseProposal(proposal());
    assert.equal(parsed.initiatorLock.amount, '5');
    assert.equal(parsed.participantLock.to, 'user1');
    assert.deepEqual(parseProposal(JSON.stringify(proposal())), parsed);
  });

  test('ids and hash locks are normalised to lower case', () => {
    const p = proposal();
    p.id = `0x${'AB'.repeat(32)}`;
    assert.equal(parseProposal(p).id, `0x${'ab'.repeat(32)}`);
  });

  const cases: [string, (p: ReturnType<typeof proposal>) => unknown, RegExp][] = [
    ['not a Weft proposal', (p) => ({ ...p, weftSwap: 2 }), /weftSwap/],
    ['a short id', (p) => ({ ...p, id: '0x1234' }), /proposal\.id/],
    ['a bad hash lock', (p) => ({ ...p, hashLock: 'zz' }), /proposal\.hashLock/],
    [
      'a bad path',
      (p) => ({ ...p, initiatorLock: { ...p.initiatorLock, path: 'nope' } }),
      /initiatorLock\.path/,
    ],
    ['an unknown chain', (p) => ({ ...p, initiatorLock: { ...p.initiatorLock, chain: 'eth' } }), /chain/],
    ['a negative amount', (p) => ({ ...p, initiatorLock: { ...p.initiatorLock, amount: '-5' } }), /amount/],
    [
      'a bad address',
      (p) => ({ ...p, initiatorLock: { ...p.initiatorLock, to: 'bob' } }),
      /initiatorLock\.to/,
    ],
    ['no sender', (p) => ({ ...p, initiatorLock: { ...p.initiatorLock, from: undefined } }), /from/],
    [
      'a bad timelock',
      (p) => ({ ...p, participantLock: { ...p.participantLock, timelock: 'soon' } }),
      /timelock/,
    ],
    [
      'both locks on one resource',
      (p) => ({ ...p, participantLock: { ...p.initiatorLock, from: undefined } }),
      /different resources/,
    ],
  ];
  for (const [name, change, field] of cases) {
    test(`refuses ${name}`, () => {
      assert.throws(() => parseProposal(change(proposal())), refused(field));
    });
  }

  test('refuses text that is not JSON, and overlong text', () => {
    assert.throws(() => parseProposal('{nope'), refused(/not valid JSON/));
    assert.throws(() => parseProposal(`"${'x'.repeat(20_000)}"`), refused(/too long/));
  });
});
