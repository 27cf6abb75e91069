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

/** Unix milliseconds as a local time of day to the second, with the date when it is not today. */
export function formatClock(ms: number): string {
  const date = new Date(ms);
  const clock = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toDateString() === new Date().toDateString()
    ? clock
    : `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${clock}`;
}

/** How far a moment (unix ms) is from now: "in 5 min", "in 40 s", "3 min ago". */
export function formatFromNow(ms: number, now = Date.now()): string {
  const seconds = Math.round((ms - now) / 1000);
  const size = Math.abs(seconds);
  const amount =
    size < 60 ? `${size} s` : size < 7_200 ? `${Math.round(size / 60)} min` : `${Math.round(size / 3_600)} h`;
  return seconds >= 0 ? `in ${amount}` : `${amount} ago`;
}
