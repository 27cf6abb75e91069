/** The standard development mnemonic (Hardhat/Foundry/Ganache): a published BIP-39/BIP-44 vector. */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
