/** Types of open-granted.js (plain JavaScript, so any page can copy it; see docs/provider-api.md). */
import type { getBytes, SigningKey } from 'ethers';

/** What the opener needs of ethers: the demo passes these two, a page may pass all of ethers. */
export interface EthersForOpening {
  getBytes: typeof getBytes;
  SigningKey: typeof SigningKey;
}

/** A granted read's answer plus the grant's id and resource: what `openGranted` opens. */
export interface GrantedReadToOpen {
  grantId: string;
  resource: string;
  record: string;
  fields: Record<string, string>;
  key: string;
}

/** The fields the grant's keys open, in plaintext. Rejects when a key or value does not open. */
export function openGranted(
  ethers: EthersForOpening,
  audiencePrivateKey: string,
  read: GrantedReadToOpen,
): Promise<Record<string, string>>;
