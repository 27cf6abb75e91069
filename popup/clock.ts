/**
 * What changes with the time alone, with no event from the worker: text counted from now
 * ("in 5 min") and states that begin at a moment (a grant's expiry).
 */
import { useEffect, useState } from 'preact/hooks';

/** setTimeout's longest wait (about 24.8 days); a popup is not open longer. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Re-renders the caller every `ms`. */
export function useTick(ms: number): void {
  const [, setTicks] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTicks((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/** Whether moment `at` (unix ms) has passed; re-renders the caller when it passes. */
export function usePassed(at: number): boolean {
  const [, setPassed] = useState(false);
  const wait = at - Date.now();
  useEffect(() => {
    if (wait < 0 || wait > MAX_TIMEOUT_MS) return;
    const timer = setTimeout(() => setPassed(true), wait + 1);
    return () => clearTimeout(timer);
  }, [at]);
  return wait < 0;
}
