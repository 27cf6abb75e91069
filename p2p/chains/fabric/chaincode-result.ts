/** Chaincode results and event payloads are bytes; Weft's chaincode answers JSON or plain text. */
import type { ChainEvent } from '../connector.ts';
import { toHex } from './offline-signing.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON when the bytes are JSON, else the text, else the bytes as hex. */
export function decodeChaincodeResult(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return toHex(payload);
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A chaincode event as receipts and subscriptions carry it: its JSON payload as `args`. */
export function chaincodeEvent(event: { chaincode: string; name: string; payload: Uint8Array }): ChainEvent {
  const decoded = decodeChaincodeResult(event.payload);
  return {
    address: event.chaincode,
    name: event.name,
    ...(decoded !== null && typeof decoded === 'object' && !Array.isArray(decoded)
      ? { args: decoded as Record<string, unknown> }
      : {}),
    data: toHex(event.payload),
  };
}
