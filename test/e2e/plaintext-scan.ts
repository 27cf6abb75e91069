/**
 * Whether secret strings appear in bytes in any form a reader could undo at a glance: UTF-8,
 * hex (either case, as JSON-RPC and logs print bytes) or base64 (as gRPC JSON and Node print
 * them) at each of the three alignments a string can have inside a longer base64 text.
 */

/** The secrets of `secrets` that `bytes` holds in some form, each once. */
export function plaintextIn(bytes: Uint8Array, secrets: string[]): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  return secrets.filter((secret) =>
    forms(secret).some((form) => buffer.includes(form) || text.includes(form)),
  );
}

function forms(secret: string): string[] {
  const raw = Buffer.from(secret, 'utf8');
  const hex = raw.toString('hex');
  const base64 = [0, 1, 2].map((shift) => {
    // Shifted by `shift` bytes, only the characters that depend on the secret's bytes alone.
    const encoded = Buffer.concat([Buffer.alloc(shift), raw]).toString('base64');
    return encoded.slice(shift === 0 ? 0 : 4, -4);
  });
  const base64url = base64.map((b) => b.replaceAll('+', '-').replaceAll('/', '_'));
  return [secret, hex, hex.toUpperCase(), ...base64, ...base64url];
}
