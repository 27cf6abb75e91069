/** The grant store's typed errors; their messages reach the popup as they are. */

export class GrantNotFoundError extends Error {
  override name = 'GrantNotFoundError';
  constructor(message = 'No such grant in this wallet') {
    super(message);
  }
}

/** The grant is revoked already, or a revocation for it is being sent right now. */
export class GrantRevokedError extends Error {
  override name = 'GrantRevokedError';
}

/** The chain did not commit the revocation (reverted, or the signer is gone); the grant stays valid. */
export class RevocationFailedError extends Error {
  override name = 'RevocationFailedError';
}
