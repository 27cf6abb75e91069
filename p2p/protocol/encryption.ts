/**
 * Noise, as routers and light clients use it, giving the transport one buffer per write.
 *
 * Noise hands each encrypted frame to the raw connection as a list: the 2-byte length, then the
 * ciphertext. The WebSocket and TCP connections write every buffer of a list separately, so each
 * frame cost two WebSocket messages (or two socket writes), two syscalls and two wake-ups of the
 * peer. Joining the list first halves that. The bytes on the wire are unchanged (the receiver
 * reassembles noise frames however they are cut), so peers without this interoperate.
 */
import { noise } from '@chainsafe/libp2p-noise';
import type { MessageStream } from '@libp2p/interface';

function oneBufferPerSend<S extends MessageStream>(connection: S): S {
  const send = connection.send.bind(connection);
  connection.send = (data) => send(data instanceof Uint8Array ? data : data.subarray());
  return connection;
}

export function encryption(): ReturnType<typeof noise> {
  const create = noise();
  return (components) => {
    const encrypter = create(components);
    const { secureInbound, secureOutbound } = encrypter;
    encrypter.secureInbound = (connection, options) =>
      secureInbound.call(encrypter, oneBufferPerSend(connection), options);
    encrypter.secureOutbound = (connection, options) =>
      secureOutbound.call(encrypter, oneBufferPerSend(connection), options);
    return encrypter;
  };
}
