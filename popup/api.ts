import browser from 'webextension-polyfill';
import type { PopupError, PopupRequest, PopupResponse } from '../background/popup-api.ts';

/**
 * One request to the worker, answered with that request type's response (background/popup-api.ts).
 * Failures come back as `{ error, name }`, never as a rejection the UI forgets.
 */
export async function send<R extends PopupRequest>(request: R): Promise<PopupResponse<R['type']>> {
  try {
    // Messages cross as JSON, untyped: the worker answers each type as `PopupResponses` says.
    const answer = (await browser.runtime.sendMessage(request)) as PopupResponse<R['type']> | undefined;
    return answer ?? { error: 'no answer from the service worker', name: 'Error' };
  } catch (error) {
    return { error: (error as Error).message, name: 'Error' };
  }
}

export function isError(answer: PopupResponse): answer is PopupError {
  return 'error' in answer;
}

export function errorOf(answer: PopupResponse): string | null {
  return isError(answer) ? answer.error : null;
}
