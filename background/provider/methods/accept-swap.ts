/**
 * `weft_acceptSwap({ proposal, from? })`: the participant's side of an HTLC swap. The wallet
 * first checks on the initiator's chain that the initiator's lock is there exactly as proposed
 * (receiver, amount, hash lock, timelock) and that there is time, then asks the user once, locks
 * `participantLock` (from the session's address, or the Fabric account `from`) and resolves
 * with `{ id }`. It then waits for the initiator's claim to reveal the secret and claims the
 * initiator's lock with it, or refunds its own lock after its timelock, by itself.
 */
import type { AcceptSwapParams, ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { assetChain, type HtlcOnChain } from '../../ttm/asset-chain.ts';
import { ACCEPT_WINDOW_S, nowSeconds } from '../../ttm/timing.ts';
import type { ChainType, SwapProposal, SwapRecord, SwapSide } from '../../ttm/types.ts';
import { CHAIN_ERROR, toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireCovered, requireSession } from './require-session.ts';
import {
  accountParam,
  amountParam,
  fromParam,
  hex32Param,
  ownsFabricAccount,
  recordPins,
  ttmResource,
  ttmSigner,
} from './ttm-params.ts';
import { approveTtm, startSwapSide } from './ttm-start.ts';

export async function acceptSwap(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_acceptSwap'>> {
  const input = objectParam<AcceptSwapParams>(params, 'weft_acceptSwap');
  const proposal = parseProposal(input.proposal);
  const { initiatorLock: theirs, participantLock: ours } = proposal;
  const session = await requireSession(services, context);
  requireCovered(session, ours.path);
  requireCovered(session, theirs.path);
  const theirEntry = await ttmResource(services, context, session, theirs.path);
  const ourEntry = await ttmResource(services, context, session, ours.path);
  if (theirEntry.chain.type !== theirs.chain || ourEntry.chain.type !== ours.chain) {
    throw invalidParams('the proposal names the wrong chain type for a resource');
  }
  if (await services.ttm.log.get(proposal.id))
    throw invalidParams('this wallet already took part in this swap');
  if (theirs.chain === 'fisco-bcos' && theirs.to.toLowerCase() !== session.address.toLowerCase()) {
    throw invalidParams(`the proposal pays ${theirs.to}, not this site's account ${session.address}`);
  }
  if (ours.timelock - nowSeconds() < ACCEPT_WINDOW_S || theirs.timelock <= ours.timelock) {
    throw invalidParams('the proposal has expired (or its timelocks are not staggered): ask for a new one');
  }
  const ourLock = { ...ours, from: fromParam(input.from, ours.chain, session, 'from') };
  const { signer } = await ttmSigner(services, session, ours.chain === 'fabric' || theirs.chain === 'fabric');
  if (
    theirs.chain === 'fabric' &&
    !(await ownsFabricAccount(services, theirEntry, signer.fabricIdentity as string, theirs.to))
  ) {
    throw invalidParams(
      `the proposal pays Fabric account ${theirs.to}, which your Fabric identity does not own`,
    );
  }

  // Their lock must be on the chain as proposed before we lock anything.
  let onChain: HtlcOnChain;
  try {
    const chain = assetChain({
      client: services.routers.client(),
      vault: services.vault,
      trust: services.trust,
      entry: theirEntry,
      signer,
    });
    onChain = await chain.htlcState(proposal.id, theirs.lockTx);
  } catch (error) {
    throw toProviderError(error);
  }
  const differs = lockDifferences(onChain, proposal);
  if (differs.length > 0) {
    throw new ProviderError(
      CHAIN_ERROR,
      `the other party's lock on ${theirs.path} is not as proposed: ${differs.join('; ')}`,
      { reason: 'NOT_LOCKED', onChain: { ...onChain } },
    );
  }
  await approveTtm(services, 'swap', context.origin, {
    id: proposal.id,
    role: 'participant',
    hashLock: proposal.hashLock,
    give: ourLock,
    get: theirs,
  });
  const now = Date.now();
  const record: SwapRecord = {
    kind: 'swap',
    role: 'participant',
    id: proposal.id,
    origin: context.origin,
    createdAt: now,
    updatedAt: now,
    hashLock: proposal.hashLock,
    signer,
    pins: recordPins([theirEntry, ourEntry]),
    proposal: { ...proposal, participantLock: ourLock },
    state: 'locking',
    ours: 'none',
    theirs: 'locked',
    timeline: [{ at: now, event: 'approved: locking', path: ours.path }],
  };
  const swap = await startSwapSide(services, record);
  return { id: proposal.id, swap };
}

/**
 * How the initiator's lock on the chain differs from the proposal, in words (none: it matches).
 * Exactly as proposed: the approval shows the proposal's figures, so they must be the chain's.
 */
function lockDifferences(onChain: HtlcOnChain, proposal: SwapProposal): string[] {
  const { initiatorLock: lock, hashLock } = proposal;
  if (onChain.state === 'none') return [`there is no lock ${proposal.id}`];
  const differs: string[] = [];
  if (onChain.state !== 'locked') differs.push(`it is ${onChain.state}`);
  if (onChain.hashLock.toLowerCase() !== hashLock) differs.push('another hash lock');
  if (onChain.from.toLowerCase() !== lock.from.toLowerCase()) differs.push(`sent by ${onChain.from}`);
  if (onChain.to.toLowerCase() !== lock.to.toLowerCase()) differs.push(`paying ${onChain.to}`);
  if (onChain.amount !== lock.amount) differs.push(`amount ${onChain.amount}, not ${lock.amount}`);
  if (onChain.timelock !== lock.timelock) differs.push(`timelock ${onChain.timelock}, not ${lock.timelock}`);
  return differs;
}

/** A proposal as `weft_proposeSwap` returned it, checked field by field. */
export function parseProposal(value: unknown): SwapProposal {
  const raw = objectParam<SwapProposal>([typeof value === 'string' ? safeJson(value) : value], 'proposal');
  if (raw.weftSwap !== 1) throw invalidParams('proposal is not a Weft swap proposal (weftSwap: 1)');
  const side = (v: unknown, field: string) => {
    const s = objectParam<SwapSide>([v], field);
    const path = resourcePath(s.path, `${field}.path`);
    const chain: ChainType | null = s.chain === 'fabric' || s.chain === 'fisco-bcos' ? s.chain : null;
    if (!chain) throw invalidParams(`${field}.chain must be fisco-bcos or fabric`);
    if (typeof s.timelock !== 'number' || !Number.isInteger(s.timelock) || s.timelock <= 0) {
      throw invalidParams(`${field}.timelock must be Unix seconds`);
    }
    return {
      path,
      chain,
      to: accountParam(s.to, chain, `${field}.to`),
      amount: amountParam(s.amount, `${field}.amount`),
      timelock: s.timelock,
      ...(s.from !== undefined ? { from: accountParam(s.from, chain, `${field}.from`) } : {}),
      ...(s.lockTx !== undefined ? { lockTx: hex32Param(s.lockTx, `${field}.lockTx`) } : {}),
    };
  };
  const initiatorLock = side(raw.initiatorLock, 'proposal.initiatorLock');
  if (initiatorLock.from === undefined) throw invalidParams('proposal.initiatorLock.from is missing');
  const participantLock = side(raw.participantLock, 'proposal.participantLock');
  delete participantLock.from;
  delete participantLock.lockTx;
  if (initiatorLock.path === participantLock.path)
    throw invalidParams('the two locks must be on different resources');
  return {
    weftSwap: 1,
    id: hex32Param(raw.id, 'proposal.id'),
    hashLock: hex32Param(raw.hashLock, 'proposal.hashLock'),
    initiatorLock: { ...initiatorLock, from: initiatorLock.from },
    participantLock,
  };
}

function safeJson(text: string): unknown {
  if (text.length > 10_000) throw invalidParams('proposal is too long');
  try {
    return JSON.parse(text);
  } catch {
    throw invalidParams('proposal is not valid JSON');
  }
}
