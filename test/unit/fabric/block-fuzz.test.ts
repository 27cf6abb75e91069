/**
 * Bytes from outside (a router's block, a config block) must make the Fabric evidence
 * readers and the verifier fail only with FabricEvidenceError: never a TypeError or
 * RangeError from deep inside, never a hang. Random bytes, and real vectors mutated.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeBlock, type FabricBlock, readBlockFile } from '../../../p2p/chains/fabric/block-file.ts';
import { verifyBlock } from '../../../p2p/chains/fabric/block-verifier.ts';
import { readChannelConfig } from '../../../p2p/chains/fabric/channel-config.ts';
import { FabricEvidenceError } from '../../../p2p/chains/fabric/evidence-errors.ts';

const vectors = new URL('../../../../shared/vectors/fabric/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, vectors)));
const ledger = read('sampleorg-ledger.blockfile');
const sample = readBlockFile(ledger);
const sampleTrust = readChannelConfig(sample[0] as FabricBlock);
const testnet = read('testnet-block6.block');
const testnetTrust = readChannelConfig(decodeBlock(read('testnet-block3.block')));

/** Runs `fn`; anything thrown must be a FabricEvidenceError. */
function onlyEvidenceErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (cause) {
    if (!(cause instanceof FabricEvidenceError)) throw cause;
    assert.ok(cause.name.length > 0 && cause.message.length > 0);
  }
}

/** A few byte edits, maybe a truncation: small changes reach deep into the structure. */
function mutated(original: Uint8Array) {
  return fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ edits, cut }) => {
      const bytes = Uint8Array.from(original);
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      return cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
    });
}

const RUNS = 150;

describe('Fabric evidence readers on hostile bytes', () => {
  test('readBlockFile and decodeBlock on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        onlyEvidenceErrors(() => readBlockFile(bytes));
        onlyEvidenceErrors(() => decodeBlock(bytes));
      }),
      { numRuns: 500 },
    );
  });

  test('a mutated block file: read, then each block as a config block and under the real trust', () => {
    fc.assert(
      fc.property(mutated(ledger), (bytes) => {
        onlyEvidenceErrors(() => {
          for (const block of readBlockFile(bytes)) {
            onlyEvidenceErrors(() => readChannelConfig(block));
            onlyEvidenceErrors(() => verifyBlock(block, sampleTrust));
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  test('a mutated config envelope: readChannelConfig', () => {
    const genesis = sample[0] as FabricBlock;
    fc.assert(
      fc.property(mutated(genesis.data[0] as Uint8Array), (envelope) => {
        onlyEvidenceErrors(() => readChannelConfig({ ...genesis, data: [envelope] }));
      }),
      { numRuns: RUNS },
    );
  });

  test('a mutated common.Block (two-organisation endorsements): decode and verify', () => {
    fc.assert(
      fc.property(mutated(testnet), (bytes) => {
        onlyEvidenceErrors(() => verifyBlock(decodeBlock(bytes), testnetTrust));
      }),
      { numRuns: RUNS },
    );
  });

  test('a mutated envelope or metadata entry inside a signed block: verify', () => {
    const block = decodeBlock(testnet);
    fc.assert(
      fc.property(
        mutated(block.data[0] as Uint8Array),
        mutated(block.metadata[0] as Uint8Array),
        (envelope, signatures) => {
          onlyEvidenceErrors(() => verifyBlock({ ...block, data: [envelope] }, testnetTrust));
          onlyEvidenceErrors(() =>
            verifyBlock({ ...block, metadata: [signatures, ...block.metadata.slice(1)] }, testnetTrust),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('random bytes where an envelope, the signatures or the config go', () => {
    const block = decodeBlock(testnet);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        onlyEvidenceErrors(() => verifyBlock({ ...block, data: [bytes] }, testnetTrust));
        onlyEvidenceErrors(() => verifyBlock({ ...block, metadata: [bytes] }, testnetTrust));
        onlyEvidenceErrors(() => readChannelConfig({ ...block, data: [bytes] }));
      }),
      { numRuns: 300 },
    );
  });
});
