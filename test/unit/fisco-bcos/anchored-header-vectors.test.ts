/**
 * verifyAnchoredHeader on real FISCO BCOS 2.x headers (../shared/vectors/fisco-bcos-2x-chain.json):
 * block 1 of a four-sealer chain (three seals, secp256k1) and of a guomi chain (SM2), anchored
 * at block 0 with the sealers they list; tampered copies (a seal dropped, a root changed, a
 * stranger's set) are refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { FiscoChainProfile } from '../../../p2p/chains/chain-profile.ts';
import type { Hex } from '../../../p2p/chains/connector.ts';
import { FiscoEvidenceError } from '../../../p2p/chains/fisco-bcos/errors.ts';
import type { FiscoBlockHeaderJson } from '../../../p2p/chains/fisco-bcos/rpc-types.ts';
import { schemeOf, verifyAnchoredHeader } from '../../../p2p/chains/fisco-bcos/verify-execution.ts';
import { strangers } from './execution-fixture.ts';

const file = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/fisco-bcos-2x-chain.json', import.meta.url), 'utf8'),
) as {
  vectors: Record<
    string,
    { crypto?: 'sm'; block: FiscoBlockHeaderJson; signatureList: FiscoBlockHeaderJson['signatureList'] }
  >;
};

const noHeaders = { headerAt: async () => null };

for (const name of ['block1_header_4sealers_docs', 'sm_block1_header_3sigs_javasdk']) {
  const v = file.vectors[name];
  assert.ok(v, name);
  const header: FiscoBlockHeaderJson = {
    ...v.block,
    number: `0x${BigInt(v.block.number).toString(16)}`,
    signatureList: v.signatureList,
  };
  const anchor: FiscoChainProfile = {
    type: 'fisco-bcos',
    chainId: 1,
    groupId: 1,
    crypto: v.crypto === 'sm' ? 'sm' : 'ecdsa',
    genesisHash: header.parentHash as Hex,
    sealers: header.sealerList,
    sealersAt: 0,
    receiptsWithRemainGas: false,
  };
  const scheme = schemeOf(anchor);

  test(`${name}: a real header verifies from its anchor, which moves to it`, async () => {
    const {
      verified,
      sealers,
      anchor: moved,
    } = await verifyAnchoredHeader(header, anchor, scheme, noHeaders);
    assert.equal(verified.hash, header.hash);
    assert.equal(verified.signers.length, 3);
    assert.equal(sealers, 4);
    assert.equal(moved.sealersAt, 1);
  });

  test(`${name}: tampered copies are refused`, async () => {
    const lies: FiscoBlockHeaderJson[] = [
      { ...header, signatureList: header.signatureList.slice(1) },
      { ...header, signatureList: [...header.signatureList.slice(1), header.signatureList[1] as never] },
      { ...header, transactionsRoot: `0x${'11'.repeat(32)}` },
    ];
    for (const lie of lies) {
      await assert.rejects(verifyAnchoredHeader(lie, anchor, scheme, noHeaders), FiscoEvidenceError);
    }
    const wrongSet = { ...anchor, sealers: strangers.map((s) => s.nodeId) };
    await assert.rejects(verifyAnchoredHeader(header, wrongSet, scheme, noHeaders), FiscoEvidenceError);
  });
}
