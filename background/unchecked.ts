/**
 * A message from outside the worker before its checks: `T`'s field names, each value still
 * `unknown`. Reading a field `T` does not have is a compile error, so a renamed field cannot
 * be checked under its old name.
 */
export type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/** The fields of a message to check one by one: none if it is not an object at all. */
export function fieldsOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null ? { ...value } : {};
}
