import browser from 'webextension-polyfill';
import type { PopupRequest, PopupResponse } from '../background/popup-api.ts';

/** One request to the worker. Failures come back as `{ error, name }`, never as a rejection the UI forgets. */
export async function send(request: PopupRequest): Promise<PopupResponse> {
  try {
    const answer = (await browser.runtime.sendMessage(request)) as PopupResponse | undefined;
    return answer ?? { error: 'no answer from the service worker', name: 'Error' };
  } catch (error) {
    return { error: (error as Error).message, name: 'Error' };
  }
}

export function errorOf(answer: PopupResponse): string | null {
  return 'error' in answer ? answer.error : null;
}
