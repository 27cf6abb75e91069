/**
 * A page's window for tests of the inpage script and the relay: an EventTarget with
 * `location.origin`, carrying the provider channel as browsers do, as CustomEvents dispatched
 * synchronously with a JSON string for detail. `fromWorker` dispatches what the content relay
 * would pass on from the worker, `toRelay` what the inpage provider would send.
 *
 * What these use is taken at load, as the relay's isolated world would see it: a test can then
 * play a page replacing `JSON`, `CustomEvent` or `dispatchEvent` without breaking the stand-ins.
 */
import assert from 'node:assert/strict';

export type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

const { stringify, parse } = JSON;
const Custom = CustomEvent;
const dispatchOn = EventTarget.prototype.dispatchEvent;
const detailOf = Object.getOwnPropertyDescriptor(CustomEvent.prototype, 'detail')?.get as (
  this: Event,
) => unknown;

export function pageWindow(origin: string) {
  const win = new EventTarget() as EventTarget & Record<string, unknown>;
  win.location = { origin };
  const dispatch = (type: string, message: Record<string, unknown>) =>
    dispatchOn.call(win, new Custom(type, { detail: stringify(message) }));
  const fromWorker = (message: Record<string, unknown>) =>
    dispatch('weft:content', { channel: 'weft:content', ...message });
  const toRelay = (message: Record<string, unknown>) =>
    dispatch('weft:page', { channel: 'weft:page', ...message });
  return { win, fromWorker, toRelay };
}

/** The message in a provider-channel event, parsed; undefined when its detail is no JSON string. */
export function messageOf(event: Event): Record<string, unknown> | undefined {
  try {
    const detail = detailOf.call(event);
    return typeof detail === 'string' ? (parse(detail) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `run` and fails if a listener threw meanwhile: dispatchEvent reports a listener's exception
 * as uncaught rather than throwing it, so it is caught here for `settleMs` after `run`.
 */
export async function withoutUncaught(run: () => void | Promise<void>, settleMs = 20): Promise<void> {
  const thrown: unknown[] = [];
  const catcher = (error: unknown) => thrown.push(error);
  process.on('uncaughtException', catcher);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    process.off('uncaughtException', catcher);
  }
  assert.deepEqual(thrown, []);
}
