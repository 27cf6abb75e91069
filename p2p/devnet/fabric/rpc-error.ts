/**
 * gRPC errors as the Fabric Gateway sends them: a status code, a message, and
 * gateway.ErrorDetail entries (endpoint, MSP id, message) packed as google.rpc.Status
 * in the `grpc-status-details-bin` trailer.
 */
import { Metadata, type ServiceError, type status } from '@grpc/grpc-js';
import { gateway } from '@hyperledger/fabric-protos';
import { encodeFields } from '../../chains/fabric/protobuf-wire.ts';

export interface ErrorDetailInput {
  address: string;
  mspId: string;
  message: string;
}

export function rpcError(
  code: status,
  message: string,
  details: ErrorDetailInput[] = [],
): Partial<ServiceError> {
  const metadata = new Metadata();
  if (details.length > 0) {
    const anys = details.map((detail) => {
      const errorDetail = new gateway.ErrorDetail();
      errorDetail.setAddress(detail.address);
      errorDetail.setMspId(detail.mspId);
      errorDetail.setMessage(detail.message);
      // google.protobuf.Any { type_url = 1, value = 2 }
      return encodeFields([
        [1, 'type.googleapis.com/gateway.ErrorDetail'],
        [2, errorDetail.serializeBinary()],
      ]);
    });
    // google.rpc.Status { code = 1, message = 2, details = 3 }
    const statusBytes = encodeFields([
      [1, code],
      [2, message],
      ...anys.map((any) => [3, any] as [number, Uint8Array]),
    ]);
    metadata.set('grpc-status-details-bin', Buffer.from(statusBytes));
  }
  return { code, details: message, message, metadata };
}
