// Opening a granted read in the page (docs/grants.md, "Encryption"): what a grantee site does with
// `weft_readWithGrant`'s answer and its own audience key, using only ethers and WebCrypto. The
// chain, the routers and the wallet hand over ciphertext; only this key opens it.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fromBase64Url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function hkdf(ikm, salt, info) {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, 256),
  );
}

async function aesGcmDecrypt(keyBytes, iv, additionalData, data) {
  const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['decrypt']);
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, data));
}

/**
 * The fields of a granted read that the grant's keys open, in plaintext.
 * `read` is `{ grantId, resource, record, fields, key }`: the answer plus the grant's id and path.
 */
export async function openGranted(ethers, audiencePrivateKey, read) {
  if (!read.key?.startsWith('weft-key1:')) throw new Error('the owner has shared no keys of this record');
  const blob = fromBase64Url(read.key.slice('weft-key1:'.length));
  const ephemeral = blob.subarray(0, 33);
  // ECDH on secp256k1: ethers answers the shared point uncompressed (0x04 ‖ x ‖ y); HKDF takes x.
  const point = ethers.getBytes(new ethers.SigningKey(audiencePrivateKey).computeSharedSecret(ephemeral));
  const info = encoder.encode(
    `weft/grant-keys/v1\n${read.grantId.toLowerCase()}\n${read.resource}\n${read.record}`,
  );
  const kek = await hkdf(point.subarray(1, 33), ephemeral, info);
  const keys = JSON.parse(
    decoder.decode(await aesGcmDecrypt(kek, blob.subarray(33, 45), info, blob.subarray(45))),
  );
  const opened = {};
  for (const [field, sealed] of Object.entries(read.fields)) {
    if (!keys[field] || !sealed.startsWith('weft-enc1:')) continue;
    const bytes = fromBase64Url(sealed.slice('weft-enc1:'.length));
    const fieldInfo = encoder.encode(`weft/record-field/v1\n${read.resource}\n${read.record}\n${field}`);
    const plain = await aesGcmDecrypt(
      fromBase64Url(keys[field]),
      bytes.subarray(16, 28),
      fieldInfo,
      bytes.subarray(28),
    );
    opened[field] = decoder.decode(plain);
  }
  return opened;
}
