/**
 * Errors for malformed Fabric evidence (block files, blocks, channel configs,
 * certificates). A verifier fed bytes from a router must fail with one of these,
 * never with a TypeError or RangeError from deep inside a decoder.
 */
import { ProtobufDecodeError } from './protobuf-wire.ts';

export class FabricEvidenceError extends Error {
  override name = 'FabricEvidenceError';
}

/** A peer block file that is truncated or not a sequence of serialized blocks. */
export class BlockFileError extends FabricEvidenceError {
  override name = 'BlockFileError';
}

/** Bytes that are not a well-formed common.Block (or a part of one the verifier must read). */
export class BlockDecodeError extends FabricEvidenceError {
  override name = 'BlockDecodeError';
}

/** A config block whose channel configuration cannot be read or is not supported. */
export class ChannelConfigError extends FabricEvidenceError {
  override name = 'ChannelConfigError';
}

/** A certificate that is not DER X.509 with an EC key this verifier knows. */
export class CertificateError extends FabricEvidenceError {
  override name = 'CertificateError';
}

/** Runs a decoder, turning a wire-format error into the given evidence error. */
export function decodingAs<T>(
  ErrorClass: new (message: string) => FabricEvidenceError,
  what: string,
  decode: () => T,
): T {
  try {
    return decode();
  } catch (cause) {
    if (cause instanceof FabricEvidenceError) throw cause;
    if (cause instanceof ProtobufDecodeError) throw new ErrorClass(`${what}: ${cause.message}`);
    throw cause;
  }
}
