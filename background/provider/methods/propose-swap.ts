/**
 * `weft_proposeSwap({ give, want, timelockSeconds? })`: the initiator's side of an HTLC swap
 * (docs/ttm.md, "Swaps"). After one approval the wallet draws the secret, locks `give` for the
 * other party with the long timelock and resolves with `{ id, proposal }`: the user hands the
 * proposal to the other party, whose wallet accepts it with `weft_acceptSwap`. From then on the
 * wallet claims the other lock as soon as it appears, or refunds after its timelock, by itself.
 *
 * give: { path, amount, to /* the other party's account there *\/, from? /* Fabric account *\/ }
 * want: { path, amount, to /* our account there *\/ }
 */
import type { ProposeSwapParams, ProviderResult } from '../../../content/provider-schema.ts';
import type { WalletServices } from '../../services.ts';
import { drawSecret, randomId, sealSecret } from '../../ttm/secret.ts';
import { DEFAULT_TIMELOCK_S, MAX_TIMEOUT_S, MIN_TIMELOCK_S, nowSeconds } from '../../ttm/timing.ts';
import type { SwapProposal, SwapRecord } from '../../ttm/types.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireCovered, requireSession } from './require-session.ts';
import {
  accountParam,
  amountParam,
  fromParam,
  ownsFabricAccount,
  recordPins,
  secondsParam,
  ttmResource,
  ttmSigner,
} from './ttm-params.ts';
import { approveTtm, startSwapSide } from './ttm-start.ts';

export async function proposeSwap(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_proposeSwap'>> {
  const input = objectParam<ProposeSwapParams>(params, 'weft_proposeSwap');
  const give = objectParam<ProposeSwapParams['give']>([input.give], 'give');
  const want = objectParam<ProposeSwapParams['want']>([input.want], 'want');
  const timelock = secondsParam(
    input.timelockSeconds,
    'timelockSeconds',
    DEFAULT_TIMELOCK_S,
    MIN_TIMELOCK_S,
    MAX_TIMEOUT_S,
  );
  const givePath = resourcePath(give.path, 'give.path');
  const wantPath = resourcePath(want.path, 'want.path');
  if (givePath === wantPath) throw invalidParams('give and want must be on different resources');
  const session = await requireSession(services, context);
  // We lock on give's resource and claim on want's: the session must cover both.
  requireCovered(session, givePath);
  requireCovered(session, wantPath);
  const giveEntry = await ttmResource(services, context, session, givePath);
  const wantEntry = await ttmResource(services, context, session, wantPath);
  const giveChain = giveEntry.chain.type;
  const wantChain = wantEntry.chain.type;
  const now = nowSeconds();
  const { secret, hashLock } = drawSecret();
  const proposal: SwapProposal = {
    weftSwap: 1,
    id: randomId(),
    hashLock,
    initiatorLock: {
      path: givePath,
      chain: giveChain,
      from: fromParam(give.from, giveChain, session, 'give.from'),
      to: accountParam(give.to, giveChain, 'give.to'),
      amount: amountParam(give.amount, 'give.amount'),
      timelock: now + timelock,
    },
    participantLock: {
      path: wantPath,
      chain: wantChain,
      to:
        wantChain === 'fisco-bcos' && want.to === undefined
          ? session.address
          : accountParam(want.to, wantChain, 'want.to'),
      amount: amountParam(want.amount, 'want.amount'),
      // The participant's lock must end first, with time left for it to claim ours after we claim.
      timelock: now + Math.floor(timelock / 2),
    },
  };
  const { signer } = await ttmSigner(services, session, giveChain === 'fabric' || wantChain === 'fabric');
  const receiving = proposal.participantLock.to;
  if (
    wantChain === 'fabric' &&
    !(await ownsFabricAccount(services, wantEntry, signer.fabricIdentity as string, receiving))
  ) {
    throw invalidParams(`want.to: your Fabric identity does not own account ${receiving}`);
  }
  await approveTtm(services, 'swap', context.origin, {
    id: proposal.id,
    role: 'initiator',
    hashLock,
    give: proposal.initiatorLock,
    get: proposal.participantLock,
  });
  // Timelocks count from the approval: the user may take a while to read it.
  const approvedAt = nowSeconds();
  proposal.initiatorLock.timelock = approvedAt + timelock;
  proposal.participantLock.timelock = approvedAt + Math.floor(timelock / 2);
  const started = Date.now();
  const record: SwapRecord = {
    kind: 'swap',
    role: 'initiator',
    id: proposal.id,
    origin: context.origin,
    createdAt: started,
    updatedAt: started,
    hashLock,
    secret: await sealSecret(secret, proposal.id, services.vault.ttmKey()),
    signer,
    pins: recordPins([giveEntry, wantEntry]),
    proposal,
    state: 'locking',
    ours: 'none',
    theirs: 'none',
    timeline: [{ at: started, event: 'approved: locking', path: givePath }],
  };
  const swap = await startSwapSide(services, record);
  // The proposal as locked: it names our lock's transaction for the participant to check.
  return { id: proposal.id, proposal: swap.proposal, swap };
}
