import type { VersionResult } from '../../../content/provider-schema.ts';
import { invalidParams } from '../errors.ts';

export function version(params: unknown, walletVersion: string): VersionResult {
  if (params !== undefined && !(Array.isArray(params) && params.length === 0)) {
    throw invalidParams('weft_version takes no params');
  }
  return { name: 'Weft', version: walletVersion, apiVersion: 2 };
}
