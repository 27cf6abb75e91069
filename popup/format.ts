/** How the popup writes durations and moments: in the user's locale, to the minute. */

const UNITS: [number, string][] = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** `3600` -> "1 hour", `5400` -> "90 minutes": the largest unit that divides it exactly. */
export function formatDuration(seconds: number): string {
  const [size, unit] = UNITS.find(([s]) => seconds % s === 0 && seconds >= s) ?? [1, 'second'];
  const n = seconds / size;
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Unix milliseconds as a local date and time. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}
