/** Chaincode results and event payloads are bytes; Weft's chaincode answers JSON or plain text. */
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
