/** The contact store's typed errors; their messages reach the popup as they are. */

/** What was wrong with the input: a contact's name, its chain, or its address (Fabric: account). */
export type ContactField = 'name' | 'chain' | 'address';

/** The input is not a contact the wallet can keep; nothing was saved. */
export class InvalidContactError extends Error {
  override name = 'InvalidContactError';
  readonly field: ContactField;
  constructor(field: ContactField, message: string) {
    super(message);
    this.field = field;
  }
}

/** Another contact on the same chain has this name, or this address already has a contact there. */
export class DuplicateContactError extends Error {
  override name = 'DuplicateContactError';
  readonly field: 'name' | 'address';
  constructor(field: 'name' | 'address', message: string) {
    super(message);
    this.field = field;
  }
}

export class ContactNotFoundError extends Error {
  override name = 'ContactNotFoundError';
  constructor(message = 'No such contact') {
    super(message);
  }
}

/** The list is full: `storage.local` items are read whole on every popup status. */
export class TooManyContactsError extends Error {
  override name = 'TooManyContactsError';
}
