/** Parameter checks and lookups shared by the TTM provider methods. */

import type { Session } from '../../../content/provider-schema.ts';
import { decodeChaincodeResult } from '../../../p2p/chains/fabric/chaincode-result.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import { FABRIC_ACCOUNT, FISCO_ADDRESS } from '../../approvals/address-book.ts';
import type { WalletServices } from '../../services.ts';
import { pinOf, type ResourcePin } from '../../sessions/resource-pin.ts';
import type { ChainType } from '../../ttm/types.ts';
import { fabricIdentityLabel } from '../../vault/state.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { sessionFabricIdentity } from './session-fabric-identity.ts';
import { describeSessionResource } from './session-resource.ts';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** The TTM function each chain type's asset must offer. */
const TTM_METHOD: Record<ChainType, string> = { 'fisco-bcos': 'prepare', fabric: 'Prepare' };

export function amountParam(value: unknown, field: string): string {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^[0-9]{1,30}$/.test(text) || BigInt(text) === 0n) {
    throw invalidParams(`${field} must be a positive whole number (a decimal string)`);
  }
  return BigInt(text).toString();
}

/** An account on a chain type: an address on FISCO BCOS, an account name on Fabric. */
export function accountParam(value: unknown, chain: ChainType, field: string): string {
  const pattern = chain === 'fisco-bcos' ? FISCO_ADDRESS : FABRIC_ACCOUNT;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidParams(
      chain === 'fisco-bcos' ? `${field} must be a 0x address` : `${field} must be a Fabric account name`,
    );
  }
  return value;
}

export function hex32Param(value: unknown, field: string): `0x${string}` {
  if (typeof value !== 'string' || !HEX32.test(value))
    throw invalidParams(`${field} must be 32 bytes as 0x hex`);
  return value.toLowerCase() as `0x${string}`;
}

export function secondsParam(
  value: unknown,
  field: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParams(`${field} must be a whole number of seconds from ${min} to ${max}`);
  }
  return value;
}

/**
 * The resource's entry, checked against the session's pin (background/sessions/resource-pin.ts)
 * and to be an asset that takes part in TTM.
 */
export async function ttmResource(
  services: WalletServices,
  context: RequestContext,
  session: Session,
  path: string,
): Promise<ResourceEntry> {
  const entry = await describeSessionResource(services, context, session, path);
  if (!entry.methods.some((m) => m.name === TTM_METHOD[entry.chain.type])) {
    throw invalidParams(`${path} does not support cross-chain transactions`);
  }
  return entry;
}

/** The pins a TTM record keeps of the resources it uses: what the user approved, checked again by its driver. */
export function recordPins(entries: ResourceEntry[]): Record<string, ResourcePin> {
  return Object.fromEntries(entries.map((entry) => [entry.path, pinOf(entry)]));
}

/** Who signs for the session: its FISCO BCOS account, and its Fabric identity when a Fabric chain is involved. */
export async function ttmSigner(services: WalletServices, session: Session, needsFabric: boolean) {
  const fabric = needsFabric ? await sessionFabricIdentity(services.vault, session) : undefined;
  return {
    signer: { account: session.account, ...(fabric ? { fabricIdentity: fabric.id } : {}) },
    display: { fisco: session.address, ...(fabric ? { fabric: fabricIdentityLabel(fabric) } : {}) },
  };
}

/** `from` of a step on `chain`: the session's address on FISCO BCOS (the contract takes the sender), a named account on Fabric. */
export function fromParam(value: unknown, chain: ChainType, session: Session, field: string): string {
  if (chain === 'fisco-bcos') {
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.toLowerCase() !== session.address.toLowerCase())
    ) {
      throw invalidParams(`${field} must be the session's address (${session.address}) or left out`);
    }
    return session.address;
  }
  return accountParam(value, chain, field);
}

/**
 * Whether the wallet's Fabric identity owns `account` on a Fabric asset: the chaincode's
 * `OwnerOf(account)` against `ClientID()` evaluated as that identity. A swap must never pay the
 * user's side into an account someone else holds because a proposal (or a typo) named it.
 */
export async function ownsFabricAccount(
  services: WalletServices,
  entry: ResourceEntry,
  identityId: string,
  account: string,
): Promise<boolean> {
  if (entry.chain.type !== 'fabric') return false;
  // Endorsed reads, checked against the chaincode's policy: a router cannot vouch for an owner.
  const signer = services.vault.fabricSigningIdentity(identityId);
  try {
    const read = async (fn: string, args: string[]) =>
      decodeChaincodeResult(
        (await services.trust.fabricRead(entry.path, signer, { chaincode: entry.address, fn, args })).read
          .payload,
      );
    const me = await read('ClientID', []);
    const owner = await read('OwnerOf', [account]);
    return String(owner) === String(me);
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return false;
    throw toProviderError(error);
  } finally {
    signer.privateKey.fill(0);
  }
}
