import { invalidParams } from '../errors.ts';

export interface VersionResult {
  name: 'Weft';
  version: string;
  /** Provider API revision; bumped when a method changes shape (see docs/provider-api.md). */
  apiVersion: 1;
}

export function version(params: unknown, walletVersion: string): VersionResult {
  if (params !== undefined && !(Array.isArray(params) && params.length === 0)) {
    throw invalidParams('weft_version takes no params');
  }
  return { name: 'Weft', version: walletVersion, apiVersion: 1 };
}
