/**
 * Vault figures (reported, no budget): unlock with the real KDF (PBKDF2-SHA256 600,000
 * iterations + AES-GCM decrypt), alone and through `Vault.unlock` (which also derives the
 * accounts and writes the session key), and BIP-44 account derivation with ethers.
 */
import { WalletEvents } from '../background/events.ts';
import { AccountDeriver } from '../background/vault/accounts.ts';
import { decryptSecret, encryptSecret, PBKDF2_ITERATIONS } from '../background/vault/encrypt.ts';
import { encodeSecrets } from '../background/vault/secrets.ts';
import { Vault } from '../background/vault/vault.ts';
import { MemoryStorageArea } from '../test/unit/vault/memory-storage.ts';
import { TEST_MNEMONIC } from '../test/unit/vault/vectors.ts';
import { percentile, report } from './report.ts';

const PASSWORD = 'correct horse battery staple';
const RUNS = 5;

async function p50(runs: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  return percentile(samples, 50);
}

const record = await encryptSecret(encodeSecrets({ mnemonic: TEST_MNEMONIC, fabricKeys: [] }), PASSWORD);
await decryptSecret(record, PASSWORD); // warm up
report({
  name: `vault: decrypt (PBKDF2 ${PBKDF2_ITERATIONS} + AES-GCM) p50`,
  value: await p50(RUNS, () => decryptSecret(record, PASSWORD)),
  unit: 'ms',
});

const local = new MemoryStorageArea();
const session = new MemoryStorageArea();
const vault = new Vault({ local, session, events: new WalletEvents() });
await vault.create(PASSWORD, TEST_MNEMONIC);
await vault.addAccount();
await vault.addAccount();
report({
  name: 'vault: Vault.unlock, 3 accounts (incl. session key) p50',
  value: await p50(RUNS, async () => {
    await vault.lock();
    await vault.unlock(PASSWORD);
  }),
  unit: 'ms',
});
report({
  name: 'vault: Vault.restore after worker restart p50',
  value: await p50(RUNS, () => new Vault({ local, session, events: new WalletEvents() }).restore()),
  unit: 'ms',
});

new AccountDeriver(TEST_MNEMONIC).address(0); // warm up
report({
  name: "accounts: mnemonic -> seed -> m/44'/60'/0'/0 p50",
  value: await p50(20, () => new AccountDeriver(TEST_MNEMONIC)),
  unit: 'ms',
});
const deriver = new AccountDeriver(TEST_MNEMONIC);
let index = 0;
report({
  name: 'accounts: one more account (child + address) p50',
  value: await p50(50, () => deriver.address(index++)),
  unit: 'ms',
});
