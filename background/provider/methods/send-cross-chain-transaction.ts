/**
 * `weft_sendCrossChainTransaction({ steps, timeoutSeconds? })`: transfers on asset resources of
 * several chains that happen on all of them or on none (docs/ttm.md). One approval for the
 * whole transaction; then the wallet's coordinator prepares every chain, commits by revealing
 * the secret, or aborts. Resolves with the final record; an abort is a -32000 whose `data`
 * carries the record and whether another transaction held an account (`conflict`).
 */
import type {
  CrossChainParams,
  CrossChainStepParams,
  ProviderResult,
} from '../../../content/provider-schema.ts';
import type { ResourceEntry } from '../../../p2p/protocol/messages.ts';
import type { WalletServices } from '../../services.ts';
import { drawSecret, randomId, sealSecret } from '../../ttm/secret.ts';
import {
  DEFAULT_TIMEOUT_S,
  LEG_STAGGER_S,
  MAX_TIMEOUT_S,
  MIN_TIMEOUT_S,
  nowSeconds,
} from '../../ttm/timing.ts';
import { type TransactionRecord, type TtmLeg, type TtmStep, toView } from '../../ttm/types.ts';
import { CHAIN_ERROR } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireCovered, requireSession } from './require-session.ts';
import {
  accountParam,
  amountParam,
  fromParam,
  recordPins,
  secondsParam,
  ttmResource,
  ttmSigner,
} from './ttm-params.ts';
import { approveTtm } from './ttm-start.ts';

export const MAX_STEPS = 16;
const CONFLICT = /locked by a cross-chain transaction/;

export async function sendCrossChainTransaction(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
): Promise<ProviderResult<'weft_sendCrossChainTransaction'>> {
  const input = objectParam<CrossChainParams>(params, 'weft_sendCrossChainTransaction');
  const timeout = secondsParam(
    input.timeoutSeconds,
    'timeoutSeconds',
    DEFAULT_TIMEOUT_S,
    MIN_TIMEOUT_S,
    MAX_TIMEOUT_S,
  );
  if (!Array.isArray(input.steps) || input.steps.length === 0 || input.steps.length > MAX_STEPS) {
    throw invalidParams(`steps must be a list of 1 to ${MAX_STEPS} transfers`);
  }
  const session = await requireSession(services, context);
  const steps: TtmStep[] = [];
  const entries: ResourceEntry[] = [];
  for (const [i, raw] of input.steps.entries()) {
    const step = objectParam<CrossChainStepParams>([raw], `steps[${i}]`);
    const path = resourcePath(step.path, `steps[${i}].path`);
    requireCovered(session, path);
    const entry = await ttmResource(services, context, session, path);
    entries.push(entry);
    requireCovered(session, path, entry.chain.type === 'fabric' ? 'Prepare' : 'prepare');
    const chain = entry.chain.type;
    steps.push({
      path,
      chain,
      from: fromParam(step.from, chain, session, `steps[${i}].from`),
      to: accountParam(step.to, chain, `steps[${i}].to`),
      amount: amountParam(step.amount, `steps[${i}].amount`),
    });
  }
  const legs = legsOf(steps, nowSeconds() + timeout);
  const { signer, display } = await ttmSigner(
    services,
    session,
    steps.some((s) => s.chain === 'fabric'),
  );
  const id = randomId();
  await approveTtm(services, 'crossChain', context.origin, {
    id,
    steps,
    legs: legs.map(({ path, chain, deadline }) => ({ path, chain, deadline })),
    signer: display,
  });
  const { secret, hashLock } = drawSecret();
  const now = Date.now();
  const record: TransactionRecord = {
    kind: 'transaction',
    id,
    origin: context.origin,
    createdAt: now,
    updatedAt: now,
    hashLock,
    secret: await sealSecret(secret, id, services.vault.ttmKey()),
    signer,
    pins: recordPins(entries),
    steps,
    // Deadlines count from the approval: the user may take a while to read it.
    legs: legsOf(steps, nowSeconds() + timeout),
    state: 'preparing',
    timeline: [{ at: now, event: 'approved: preparing every chain' }],
  };
  const final = await services.ttm.runTransaction(record);
  const view = toView(final);
  if (final.state === 'aborted') {
    const conflict = CONFLICT.test(final.reason ?? '');
    throw new ProviderError(
      CHAIN_ERROR,
      `cross-chain transaction aborted: ${final.reason ?? 'unknown reason'}`,
      {
        reason: conflict ? 'CONFLICT' : 'ABORTED',
        conflict,
        transaction: view,
      },
    );
  }
  return view;
}

/** One leg per resource, in the order first named; each later leg's deadline a stagger later. */
function legsOf(steps: TtmStep[], firstDeadline: number): TtmLeg[] {
  const legs: TtmLeg[] = [];
  for (const [i, step] of steps.entries()) {
    let leg = legs.find((l) => l.path === step.path);
    if (!leg) {
      leg = {
        path: step.path,
        chain: step.chain,
        steps: [],
        deadline: firstDeadline + legs.length * LEG_STAGGER_S,
        state: 'pending',
      };
      legs.push(leg);
    }
    leg.steps.push(i);
  }
  return legs;
}
