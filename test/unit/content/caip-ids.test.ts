/**
 * CAIP-2 and CAIP-10 ids of Weft's namespaces (docs/namespaces/): the encoders, the parsers, and
 * the test vectors of the namespace write-ups, taken from real chains in ../shared/vectors. A
 * FISCO BCOS block 1 (docs, secp256k1 and SM) names its parent, block 0: the header must hash to
 * the block's own hash before its parent hash is trusted as the genesis hash. A Fabric peer's
 * ledger starts with block 0 (the channel's first config block), whose header hash block 1 repeats.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { certificateFingerprint } from '../../../background/provider/caip/session-scopes.ts';
import {
  CaipSyntaxError,
  fabricAccountId,
  fabricChainId,
  fiscoAccountId,
  fiscoChainId,
  isWeftChainId,
  parseCaip2,
  parseCaip10,
  parseFabricAccount,
  referenceOfHash,
} from '../../../content/caip-ids.ts';
import { readBlockFile } from '../../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash as fabricHeaderHash } from '../../../p2p/chains/fabric/block-hash.ts';
import { decodeEnvelope } from '../../../p2p/chains/fabric/envelope-codec.ts';
import { toHex } from '../../../p2p/chains/fabric/offline-signing.ts';
import { blockHeaderHash, type FiscoBlockHeader } from '../../../p2p/chains/fisco-bcos/block-header.ts';
import { ecdsaScheme } from '../../../p2p/chains/fisco-bcos/ecdsa.ts';
import { sm2Scheme } from '../../../p2p/chains/fisco-bcos/sm2.ts';

const vectors = new URL('../../../../shared/vectors/', import.meta.url);
const fisco = JSON.parse(readFileSync(new URL('fisco-bcos-2x-chain.json', vectors), 'utf8')) as {
  vectors: Record<string, { crypto?: string; block: FiscoBlockHeader & { hash: string } }>;
};
const ledger = readBlockFile(
  new Uint8Array(readFileSync(new URL('fabric/sampleorg-ledger.blockfile', vectors))),
);

/** The genesis hash a FISCO BCOS block 1 vouches for, once its own header checks out. */
function genesisOf(name: string): string {
  const vector = fisco.vectors[name];
  assert.ok(vector, name);
  const header = { ...vector.block, number: `0x${BigInt(vector.block.number).toString(16)}` };
  assert.equal(BigInt(header.number), 1n, `${name} is block 1`);
  const scheme = vector.crypto === 'sm' ? sm2Scheme : ecdsaScheme;
  assert.equal(toHex(blockHeaderHash(header, scheme)), vector.block.hash, `${name} hashes to its hash`);
  return header.parentHash;
}

describe('CAIP-2 ids from genesis blocks (the namespace write-ups test cases)', () => {
  test('FISCO BCOS: the first 16 bytes of the group genesis hash', () => {
    assert.equal(fiscoChainId(genesisOf('block1_full_docs')), 'fisco:249f59e00beac8424a7821c4750fdd70');
    assert.equal(
      fiscoChainId(genesisOf('block1_header_4sealers_docs')),
      'fisco:4f6394763c33c1709e5a72b202ad4d7a',
    );
    // A guomi (SM2/SM3) chain: the same rule over its SM3 genesis hash.
    assert.equal(
      fiscoChainId(genesisOf('sm_block1_header_3sigs_javasdk')),
      'fisco:7e1b0fc3efa8026f282bfa994d3a7930',
    );
  });

  test("Fabric: the first 16 bytes of block 0's header hash, which block 1 repeats", () => {
    const [genesis, next] = ledger;
    assert.ok(genesis && next);
    assert.equal(genesis.number, 0n);
    const hash = fabricHeaderHash(genesis.number, genesis.previousHash, genesis.dataHash);
    assert.deepEqual(next.previousHash, hash, "block 1's previous hash is block 0's header hash");
    assert.equal(fabricChainId(toHex(hash)), 'fabric:c4a1491ab9a62e9125b3cbab3a782ea1');
  });

  test('ids of both namespaces parse as CAIP-2 and as Weft chain ids', () => {
    for (const id of ['fisco:249f59e00beac8424a7821c4750fdd70', 'fabric:c4a1491ab9a62e9125b3cbab3a782ea1']) {
      assert.ok(isWeftChainId(id), id);
      assert.deepEqual(parseCaip2(id), { namespace: id.split(':')[0], reference: id.split(':')[1] });
    }
    for (const id of [
      'eip155:1',
      'fisco:1',
      'fisco:249F59E00BEAC8424A7821C4750FDD70', // upper case is another string: never produced
      'fisco:249f59e00beac8424a7821c4750fdd7',
      'fabric:',
      'fisco',
      'FISCO:249f59e00beac8424a7821c4750fdd70',
    ]) {
      assert.equal(isWeftChainId(id), false, id);
    }
    assert.equal(parseCaip2('a:b'), null, 'a namespace has 3 to 8 characters');
    assert.equal(parseCaip2(`eip155:${'1'.repeat(33)}`), null, 'a reference has at most 32');
  });

  test('a hash that is not 32 bytes of hex is refused', () => {
    for (const bad of ['0x', '0x1234', `0x${'g'.repeat(64)}`, `${'a'.repeat(66)}`]) {
      assert.throws(() => referenceOfHash(bad), CaipSyntaxError, bad);
    }
    assert.equal(referenceOfHash(`0X${'AB'.repeat(32)}`), 'ab'.repeat(16));
  });
});

describe('CAIP-10 accounts', () => {
  const fiscoId = 'fisco:249f59e00beac8424a7821c4750fdd70';
  const fabricId = 'fabric:c4a1491ab9a62e9125b3cbab3a782ea1';
  const fingerprint = 'c0ffee'.padEnd(64, '0');

  test('FISCO BCOS: the address in lower case, whatever case it came in', () => {
    const account = fiscoAccountId(fiscoId, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    assert.equal(account, `${fiscoId}:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266`);
    assert.deepEqual(parseCaip10(account), {
      namespace: 'fisco',
      reference: '249f59e00beac8424a7821c4750fdd70',
      chainId: fiscoId,
      address: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    });
    assert.throws(() => fiscoAccountId(fiscoId, '0x1234'), CaipSyntaxError);
    assert.throws(
      () => fiscoAccountId(fabricId, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'),
      CaipSyntaxError,
    );
  });

  test('Fabric: MSP id and certificate fingerprint, the MSP id %-escaped where CAIP-10 needs it', () => {
    assert.equal(fabricAccountId(fabricId, 'Org1MSP', fingerprint), `${fabricId}:Org1MSP.${fingerprint}`);
    // `_` and spaces are outside CAIP-10's characters; a dot is inside and stays.
    const escaped = fabricAccountId(fabricId, 'org_1 MSP.x', fingerprint);
    assert.equal(escaped, `${fabricId}:org%5F1%20MSP.x.${fingerprint}`);
    assert.deepEqual(parseFabricAccount(escaped), { mspId: 'org_1 MSP.x', certificateSha256: fingerprint });
    assert.throws(() => fabricAccountId(fabricId, 'Org1MSP', 'ab'), CaipSyntaxError);
    assert.throws(() => fabricAccountId(fabricId, '', fingerprint), CaipSyntaxError);
    assert.throws(() => fabricAccountId(fabricId, 'M'.repeat(64), fingerprint), CaipSyntaxError, 'over 128');
    assert.throws(() => fabricAccountId(fiscoId, 'Org1MSP', fingerprint), CaipSyntaxError);
  });

  test('any MSP id the wallet takes round-trips, and every account fits CAIP-10', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._-]{1,21}$/),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (msp, fp) => {
          const account = fabricAccountId(fabricId, msp, fp);
          assert.ok(parseCaip10(account), account);
          assert.deepEqual(parseFabricAccount(account), { mspId: msp, certificateSha256: fp });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("Fabric, a real identity: the creator of the sample ledger's first transaction", () => {
    const creator = decodeEnvelope(ledger[1]?.data[0] as Uint8Array).creator;
    assert.equal(creator.mspId, 'SampleOrg');
    const fingerprint = certificateFingerprint(creator.certificate);
    // The same SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints (node:crypto's).
    assert.equal(
      fingerprint,
      new X509Certificate(creator.certificate).fingerprint256.replaceAll(':', '').toLowerCase(),
    );
    assert.equal(
      fabricAccountId(fabricId, creator.mspId, fingerprint),
      'fabric:c4a1491ab9a62e9125b3cbab3a782ea1:SampleOrg.71688654b9046aedbe6d624a46255505082636f72011d16a3e5463f8f921ca71',
    );
  });

  test('malformed accounts parse as nothing', () => {
    for (const bad of [
      '',
      'fisco',
      `${fiscoId}:`,
      `${fiscoId}:a/b`,
      `${fiscoId}:${'a'.repeat(129)}`,
      `${fabricId}:Org1MSP`,
      `${fabricId}:.${fingerprint}`,
      `${fabricId}:%zz.${fingerprint}`.replace('%zz', '%'),
    ]) {
      assert.equal(parseFabricAccount(bad), null, bad);
    }
    assert.equal(parseCaip10(42), null);
  });
});
