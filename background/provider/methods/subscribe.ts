/**
 * `weft_subscribe({ path, subscription? })` and `weft_unsubscribe({ subscription })`: a session
 * resource's events, pushed to the page that subscribed as CAIP-319 `wallet_notify` (and, by the
 * inpage provider, as EIP-1193 `message`). Events are what the routers relay (like a FISCO BCOS
 * read, the routers' word): a dapp that acts on one checks its transaction (`weft_getTransaction`).
 * `subscription` asks for a given id: the content relay restores a page's subscriptions under
 * their ids after the worker restarted (content/relay.ts).
 */
import {
  SUBSCRIPTION_ID,
  type SubscribeParams,
  type UnsubscribeParams,
} from '../../../content/caip-schema.ts';
import { ErrorCode } from '../../../content/provider-protocol.ts';
import type { WalletServices } from '../../services.ts';
import type { CaipServices } from '../caip/caip-services.ts';
import { toProviderError } from '../chain-errors.ts';
import type { RequestContext } from '../context.ts';
import { invalidParams, ProviderError } from '../errors.ts';
import { objectParam, resourcePath } from './params.ts';
import { requireSession } from './require-session.ts';
import { describeSessionResource } from './session-resource.ts';

export async function subscribe(
  params: unknown,
  context: RequestContext,
  services: WalletServices,
  caip: CaipServices,
): Promise<string> {
  const input = objectParam<SubscribeParams>(params, 'weft_subscribe');
  const path = resourcePath(input.path);
  const requested = input.subscription;
  // Checked before anything is asked of the session or the routers; whether the page holds it
  // already is the subscriptions' check, made as the subscription is added.
  if (requested !== undefined && (typeof requested !== 'string' || !SUBSCRIPTION_ID.test(requested))) {
    throw invalidParams('subscription must be 0x and 32 lowercase hex digits, as weft_subscribe answers');
  }
  const channel = context.channel;
  if (!channel) {
    throw new ProviderError(
      ErrorCode.unsupportedMethod,
      'weft_subscribe needs a page: events go to its port',
    );
  }
  const session = await requireSession(services, context, path);
  // Events of the resource the user approved, not of whatever the routers call it now.
  await describeSessionResource(services, context, session, path);
  let scope: Awaited<ReturnType<CaipServices['ids']['of']>>;
  try {
    scope = await caip.ids.of(path);
  } catch (error) {
    throw toProviderError(error);
  }
  return caip.subscriptions.add(context.origin, channel, path, scope, requested);
}

/** True when the page held that subscription (it is ended now); false when it held none by that id. */
export async function unsubscribe(
  params: unknown,
  context: RequestContext,
  caip: CaipServices,
): Promise<boolean> {
  const input = objectParam<UnsubscribeParams>(params, 'weft_unsubscribe');
  const id = input.subscription;
  if (typeof id !== 'string' || !SUBSCRIPTION_ID.test(id)) {
    throw invalidParams('subscription must be an id weft_subscribe returned');
  }
  if (!context.channel) return false;
  return caip.subscriptions.remove(context.channel, id);
}
