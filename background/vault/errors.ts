/**
 * The vault's typed errors. Messages never carry a secret (password, mnemonic, key):
 * they may reach logs and the popup.
 */

/** The password does not open the vault. Nothing was changed. */
export class WrongPasswordError extends Error {
  override name = 'WrongPasswordError';
  constructor(message = 'Wrong password') {
    super(message);
  }
}

/** A stored record is malformed, of an unknown version, or fails its integrity check. */
export class VaultCorruptError extends Error {
  override name = 'VaultCorruptError';
}

/** An imported recovery phrase is not a valid BIP-39 mnemonic (the phrase is never echoed). */
export class InvalidMnemonicError extends Error {
  override name = 'InvalidMnemonicError';
  constructor(
    message = 'Invalid recovery phrase: expected 12 to 24 BIP-39 English words with a valid checksum',
  ) {
    super(message);
  }
}

/** The operation needs the decrypted keys and the vault is locked. */
export class VaultLockedError extends Error {
  override name = 'VaultLockedError';
  constructor(message = 'The wallet is locked') {
    super(message);
  }
}

/** `create` was called while a vault already exists (creating again would destroy its keys). */
export class VaultExistsError extends Error {
  override name = 'VaultExistsError';
  constructor(message = 'A wallet already exists') {
    super(message);
  }
}

/** The operation needs an existing wallet (`unlock`, `changePassword`) and none was created. */
export class NoVaultError extends Error {
  override name = 'NoVaultError';
  constructor(message = 'No wallet has been created yet') {
    super(message);
  }
}

/** A new password does not meet the minimum the vault enforces. */
export class WeakPasswordError extends Error {
  override name = 'WeakPasswordError';
}

/** No account with that index. */
export class UnknownAccountError extends Error {
  override name = 'UnknownAccountError';
}

export class InvalidFabricIdentityError extends Error {
  override name = 'InvalidFabricIdentityError';
}
