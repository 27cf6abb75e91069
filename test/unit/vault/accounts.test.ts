import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Mnemonic } from 'ethers';
import {
  AccountDeriver,
  accountPath,
  newMnemonic,
  parseMnemonic,
} from '../../../background/vault/accounts.ts';
import { InvalidMnemonicError } from '../../../background/vault/errors.ts';
import { TEST_MNEMONIC } from './vectors.ts';

test("BIP-39/44 vector: \"test … junk\" at m/44'/60'/0'/0/i", () => {
  const deriver = new AccountDeriver(TEST_MNEMONIC);
  assert.equal(accountPath(0), "m/44'/60'/0'/0/0");
  assert.equal(deriver.address(0), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  assert.equal(deriver.address(1), '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  assert.equal(
    Buffer.from(deriver.privateKey(0)).toString('hex'),
    'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  );
  assert.deepEqual(deriver.account(2), {
    index: 2,
    address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    name: 'Account 3',
  });
  assert.throws(() => deriver.address(-1), RangeError);
  assert.throws(() => deriver.address(2 ** 31), RangeError);
});

test('a new mnemonic has 12 valid words and is different each time', () => {
  const a = newMnemonic();
  const b = newMnemonic();
  assert.equal(a.split(' ').length, 12);
  assert.ok(Mnemonic.isValidMnemonic(a));
  assert.notEqual(a, b);
});

test('an imported mnemonic is normalised', () => {
  assert.equal(parseMnemonic(`  ${TEST_MNEMONIC.toUpperCase().replaceAll(' ', ' \n\t')}  `), TEST_MNEMONIC);
});

test('an invalid mnemonic is InvalidMnemonicError, and the message never echoes the phrase', () => {
  const invalid = [
    '',
    'test test test test test test test test test test test test', // bad checksum
    'test test test test test test test test test test test junkk', // not a word
    'test test test test test test test test test test junk', // 11 words
    'zebra zebra zebra zebra zebra zebra zebra zebra zebra zebra zebra zebra zebra',
  ];
  for (const phrase of invalid) {
    assert.throws(
      () => parseMnemonic(phrase),
      (e: unknown) => {
        assert.ok(e instanceof InvalidMnemonicError);
        assert.equal(e.name, 'InvalidMnemonicError');
        assert.doesNotMatch(e.message, /test|junk|zebra/);
        return true;
      },
    );
  }
  assert.throws(() => new AccountDeriver('not a mnemonic'), InvalidMnemonicError);
});

test('the vault module runs in a service worker: no node: imports, no devnet imports', () => {
  const dir = fileURLToPath(new URL('../../../background/vault/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 6);
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.doesNotMatch(text, /from ['"]node:/, `${file} imports a Node built-in`);
    assert.doesNotMatch(text, /from ['"][^'"]*devnet/, `${file} reaches into the devnet`);
    assert.doesNotMatch(text, /console\./, `${file} logs`);
  }
});
