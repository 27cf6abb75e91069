import type { ProviderEventName } from '../../content/provider-protocol.ts';
import type { ProviderMethodName, ProviderResult } from '../../content/provider-schema.ts';

/** What a provider method knows about who asks. Built by the background from the port, never by the page. */
export interface RequestContext {
  /** Origin of the requesting page as the browser reports it (`runtime.Port.sender`). */
  origin: string;
  /** Tab the request came from, when known. */
  tabId?: number;
  /** The requesting page's own channel (its port), for what only that page should hear. */
  channel?: PageChannel;
}

/** One page's port, as methods see it: events to that page alone, and when it goes away. */
export interface PageChannel {
  /** False once the page's port closed (the page navigated, closed, or the worker restarts). */
  readonly open: boolean;
  /** An event to this page only; dropped once the port is closed. */
  post(event: ProviderEventName, data: unknown): void;
  /** Called once when the port closes (at once if it already has). */
  onClose(listener: () => void): void;
}

/**
 * A provider method: checks its own params, which come from the page as anything (throwing
 * `invalidParams`), and returns the JSON-safe result the provider schema gives it.
 */
export type ProviderMethod<M extends ProviderMethodName> = (
  params: unknown,
  context: RequestContext,
) => ProviderResult<M> | Promise<ProviderResult<M>>;

/** Every method of the provider schema, by name, each returning its schema result. */
export type MethodTable = { readonly [M in ProviderMethodName]: ProviderMethod<M> };
