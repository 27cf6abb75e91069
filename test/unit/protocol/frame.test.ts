import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFrame, encodeFrame, MAX_FRAME_DEPTH } from '../../../p2p/protocol/frame.ts';

const text = (value: unknown) => new TextDecoder().decode(encodeFrame(value));
const bytes = (json: string) => new TextEncoder().encode(json);

test('bigints travel tagged and come back as bigints, wherever they sit', () => {
  const value = {
    type: 'response',
    id: 3,
    result: { values: [10n ** 21n, -5n, 'x', [1n, { deep: 0n }]], raw: '0x01', none: null, n: 7 },
  };
  assert.equal(
    text(value),
    '{"type":"response","id":3,"result":{"values":[{"$bigint":"1000000000000000000000"},{"$bigint":"-5"},"x",[{"$bigint":"1"},{"deep":{"$bigint":"0"}}]],"raw":"0x01","none":null,"n":7}}',
  );
  assert.deepEqual(decodeFrame(encodeFrame(value)), value);
  assert.equal(value.result.values[0], 10n ** 21n, 'encoding leaves the caller its bigints');
});

test('only an object that is exactly { $bigint: digits } becomes a bigint', () => {
  assert.deepEqual(
    decodeFrame(bytes('{"a":{"$bigint":"12","b":1},"c":{"$bigint":"1.5"},"d":{"$bigint":7}}')),
    {
      a: { $bigint: '12', b: 1 },
      c: { $bigint: '1.5' },
      d: { $bigint: 7 },
    },
  );
  // The key spelt with escapes is the same key.
  assert.deepEqual(decodeFrame(bytes('{"n":{"\\u0024bigint":"9"}}')), { n: 9n });
  // A key named __proto__ stays an own property; nothing is set on the prototype.
  const odd = decodeFrame(bytes('{"__proto__":{"$bigint":"4"}}')) as Record<string, unknown>;
  assert.equal(Object.getOwnPropertyDescriptor(odd, '__proto__')?.value, 4n);
  assert.equal(Object.getPrototypeOf(odd), Object.prototype);
});

test('frames that are not UTF-8 JSON are BAD_REQUEST', () => {
  assert.throws(() => decodeFrame(bytes('{not json')), { code: 'BAD_REQUEST' });
  assert.throws(() => decodeFrame(Uint8Array.of(0xff, 0xfe)), { code: 'BAD_REQUEST' });
});

test('a frame nested deeper than MAX_FRAME_DEPTH is BAD_REQUEST both ways, not a stack overflow', () => {
  const nest = (levels: number, inner: unknown): unknown => {
    let value = inner;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  // At the limit it travels; one level more, with or without a bigint to walk, it is refused.
  const atLimit = { a: nest(MAX_FRAME_DEPTH - 2, 1n) };
  assert.deepEqual(decodeFrame(encodeFrame(atLimit)), atLimit);
  assert.throws(() => encodeFrame({ a: nest(100_000, 1) }), { code: 'BAD_REQUEST', name: 'HipError' });
  assert.throws(() => encodeFrame({ a: nest(MAX_FRAME_DEPTH, 1n) }), { code: 'BAD_REQUEST' });
  const deep = `{"a":${'['.repeat(100_000)}{"$bigint":"1"}${']'.repeat(100_000)}}`;
  assert.throws(() => decodeFrame(bytes(deep)), { code: 'BAD_REQUEST', message: /nests deeper/ });
});
