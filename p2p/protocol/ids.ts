/**
 * HIP protocol ids. One prefix, one id per role, semver in the id: a router that
 * does not speak a version fails multistream negotiation, which the caller sees
 * as `UNSUPPORTED_PROTOCOL`.
 */
export const HIP_PREFIX = '/weft/hip';

/** Wallets (light clients) -> any router. Open to every peer, under per-peer limits. */
export const CLIENT_PROTOCOL = `${HIP_PREFIX}/client/1.0.0`;

/** Router -> router request forwarding. Members only. */
export const FORWARD_PROTOCOL = `${HIP_PREFIX}/forward/1.0.0`;

/** Router -> router resource directory (route tables). Members only. */
export const DIRECTORY_PROTOCOL = `${HIP_PREFIX}/directory/1.0.0`;

/** Largest frame either side accepts by default (1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** A request is dropped when it would need more router-to-router hops than this. */
export const DEFAULT_HOP_LIMIT = 8;

/** A request's whole budget, all hops included, unless the caller asks for less. */
export const DEFAULT_TIMEOUT_MS = 30_000;
