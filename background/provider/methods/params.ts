/** Shared parameter checks: each failure is a -32602 naming the bad field. */
import type { ResourceCallParams } from '../../../content/provider-schema.ts';
import type { Unchecked } from '../../unchecked.ts';
import { invalidParams } from '../errors.ts';

const PATH = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The single object param most Weft methods take: `params: [{ ... }]`, with the field names of
 * its schema type `T` and values still to check.
 */
export function objectParam<T extends object>(params: unknown, method: string): Unchecked<T> {
  const value = Array.isArray(params) ? params[0] : params;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParams(`${method} takes one object param`);
  }
  return value;
}

export function resourcePath(value: unknown, field = 'path'): string {
  if (typeof value !== 'string' || !PATH.test(value) || value.length > 200) {
    throw invalidParams(`${field} must be a resource path zone.chain.resource`);
  }
  return value;
}

export function methodName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw invalidParams('method must be a non-empty string');
  }
  return value;
}

export function argList(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 64)
    throw invalidParams('args must be an array (at most 64 items)');
  return value;
}

/** `{ path, method, args }`, the object param of `weft_call` and `weft_sendTransaction`. */
export function resourceCall(params: unknown, name: string): Required<ResourceCallParams> {
  const input = objectParam<ResourceCallParams>(params, name);
  return { path: resourcePath(input.path), method: methodName(input.method), args: argList(input.args) };
}
