/** What a provider method knows about who asks. Built by the background from the port, never by the page. */
export interface RequestContext {
  /** Origin of the requesting page as the browser reports it (`runtime.Port.sender`). */
  origin: string;
  /** Tab the request came from, when known. */
  tabId?: number;
}

/** A provider method: validates its own params (throwing `invalidParams`) and returns a JSON-safe result. */
export type ProviderMethod = (params: unknown, context: RequestContext) => Promise<unknown> | unknown;
