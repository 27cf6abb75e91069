/**
 * Runs one request against a chain this router fronts, and maps connector errors
 * to HIP codes that keep the chain's own code and message in `details`.
 */
import type { ChainConnector } from '../chains/connector.ts';
import {
  ChainError,
  ChainRejectedError,
  ChainRevertError,
  ChainTimeoutError,
  ChainUnavailableError,
  InvalidArgumentsError,
  UnknownResourceError,
} from '../chains/errors.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { RequestBody, ResourceEntry } from '../protocol/messages.ts';

type PathBody = Exclude<
  RequestBody,
  | { op: 'resources' }
  | { op: 'unsubscribe' }
  | { op: 'subscribe' }
  | { op: 'readGranted' }
  | { op: 'ttmReveal' }
  | { op: 'ttmEvents' }
>;

/** Which chain types answer each evidence op, for the refusal's message. */
const EVIDENCE_CHAINS = {
  chainProfile: 'FISCO BCOS and Fabric',
  txEvidence: 'FISCO BCOS',
  blockHeader: 'FISCO BCOS',
  blockByTxId: 'Fabric',
} as const;

function unsupported(entry: ResourceEntry, op: keyof typeof EVIDENCE_CHAINS): never {
  throw new HipError(
    HipErrorCode.unsupportedOperation,
    `${op} is for ${EVIDENCE_CHAINS[op]} chains; ${entry.path} is on a ${entry.chain.type} chain`,
    { op, chainType: entry.chain.type },
  );
}

export async function executeLocal(
  connector: ChainConnector,
  entry: ResourceEntry,
  body: PathBody,
  /** The requester went away: a receipt wait stops polling the chain (FISCO BCOS). */
  signal?: AbortSignal,
): Promise<unknown> {
  try {
    switch (body.op) {
      case 'describe':
        return entry;
      case 'chainInfo':
        return await connector.info();
      case 'call': {
        const method = entry.methods.find((m) => m.name === body.method);
        if (!method) {
          throw new HipError(HipErrorCode.unknownMethod, `${body.path} has no method ${body.method}`);
        }
        return await connector.call({
          resource: body.path,
          method: body.method,
          args: body.args,
          ...(body.from !== undefined ? { from: body.from } : {}),
          ...(body.signed !== undefined ? { signed: body.signed as `0x${string}` } : {}),
        });
      }
      case 'prepare':
      case 'endorse':
        if (!connector.prepare) {
          throw new HipError(
            HipErrorCode.unsupportedOperation,
            `${entry.chain.type} chains take no prepare step`,
          );
        }
        return await connector.prepare({ resource: body.path, signed: body.signed as `0x${string}` });
      case 'submit':
        return await connector.submit({
          resource: body.path,
          signed: body.signed as `0x${string}`,
          ...(body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
          ...(signal ? { signal } : {}),
        });
      case 'getBlock':
        return await connector.getBlock(body.number);
      case 'getTransaction':
        return await connector.getTransaction(body.txId);
      // Chain evidence: fetched from the chain as it is; the wallet verifies it.
      case 'chainProfile':
        if (!connector.profile) unsupported(entry, body.op);
        return await connector.profile();
      case 'txEvidence':
        if (!connector.txEvidence) unsupported(entry, body.op);
        return await connector.txEvidence(body.txId);
      case 'blockHeader':
        if (!connector.blockHeader) unsupported(entry, body.op);
        return await connector.blockHeader(body.number);
      case 'blockByTxId':
        if (!connector.blockByTxId) unsupported(entry, body.op);
        return await connector.blockByTxId(body.signed as `0x${string}`, body.orgs);
    }
  } catch (error) {
    throw toHipError(error);
  }
}

export function toHipError(error: unknown): HipError {
  if (error instanceof HipError) return error;
  if (error instanceof UnknownResourceError) {
    return new HipError(HipErrorCode.unknownResource, error.message, { path: error.resource });
  }
  if (error instanceof InvalidArgumentsError) {
    return new HipError(HipErrorCode.badRequest, error.message, { method: error.method });
  }
  if (error instanceof ChainError) {
    const details = {
      ...error.details,
      chainCode: error.code,
      chainMessage: error.message,
      chainError: error.name,
    };
    if (error instanceof ChainRevertError)
      return new HipError(HipErrorCode.chainReverted, error.message, details);
    if (error instanceof ChainRejectedError)
      return new HipError(HipErrorCode.chainRejected, error.message, details);
    if (error instanceof ChainUnavailableError) {
      return new HipError(HipErrorCode.chainUnavailable, error.message, details);
    }
    if (error instanceof ChainTimeoutError)
      return new HipError(HipErrorCode.chainTimeout, error.message, details);
    return new HipError(HipErrorCode.chainError, error.message, details);
  }
  return new HipError(HipErrorCode.internal, 'internal router error');
}
