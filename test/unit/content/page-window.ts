/**
 * A page's window for tests of the inpage script: an EventTarget with `location.origin` and a
 * postMessage as browsers do it (the message cloned, delivered later, from this window), and
 * `fromWorker` to post what the content relay would pass on from the worker.
 */
export type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export function pageWindow(origin: string) {
  const win = new EventTarget() as EventTarget & Record<string, unknown>;
  win.location = { origin };
  win.postMessage = (message: unknown) => {
    const data = structuredClone(message);
    setTimeout(
      () => win.dispatchEvent(Object.assign(new Event('message'), { data, source: win, origin })),
      0,
    );
  };
  const fromWorker = (message: Record<string, unknown>) =>
    (win.postMessage as (m: unknown) => void)({ channel: 'weft:content', ...message });
  return { win, fromWorker };
}
