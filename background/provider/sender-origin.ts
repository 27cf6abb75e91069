/**
 * The origin of a provider request, from what the browser says about the port's
 * sender. Chromium fills `sender.origin`; Firefox only `sender.url`. Anything
 * else (no tab, another extension, an opaque origin) is refused.
 */
export interface PortSender {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number };
}

export function senderOrigin(sender: PortSender | undefined, extensionId: string): string | null {
  if (!sender || sender.id !== extensionId || !sender.tab) return null;
  const origin = sender.origin ?? (sender.url ? safeOrigin(sender.url) : null);
  if (!origin || origin === 'null') return null;
  return /^https?:\/\//.test(origin) ? origin : null;
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
