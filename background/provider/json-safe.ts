import type { JsonSafe } from '../../content/provider-schema.ts';

/**
 * Port messages are JSON-serialised by the browser, which cannot carry BigInt or
 * Uint8Array: results go out with big integers as decimal strings and bytes as hex.
 */
export function jsonSafe<T>(value: T): JsonSafe<T> {
  // `JsonSafe<T>` says in types what `toJson` does to values.
  return toJson(value) as JsonSafe<T>;
}

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array)
    return `0x${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}
