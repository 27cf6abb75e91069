/**
 * Gateway errors become typed chain errors that keep the original code and message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '@hyperledger/fabric-gateway';
import {
  ChainRejectedError,
  ChainRevertError,
  ChainTimeoutError,
  ChainUnavailableError,
} from '../../../p2p/chains/errors.ts';
import {
  FabricChaincodeError,
  FabricCommitError,
  FabricRejectedError,
  FabricTimeoutError,
  FabricUnavailableError,
  toFabricError,
} from '../../../p2p/chains/fabric/errors.ts';

function gatewayError(code: number, message: string, details: string[] = []): GatewayError {
  return new GatewayError({
    code,
    message: `${code} X: ${message}`,
    details: details.map((m) => ({ address: 'peer0:7051', mspId: 'Org1MSP', message: m })),
    // The grpc-js ServiceError the client wraps; only its message matters here.
    cause: Object.assign(new Error(message), { details: message }) as never,
  });
}

describe('toFabricError', () => {
  test('chaincode status >= 400 from endorse details is a FabricChaincodeError (revert)', () => {
    const error = toFabricError(
      gatewayError(10, 'failed to endorse transaction, see attached details for more info', [
        'chaincode response 500, insufficient funds in account a',
      ]),
      'Endorse',
      'tx1',
    );
    assert.ok(error instanceof FabricChaincodeError);
    assert.ok(error instanceof ChainRevertError);
    assert.equal(error.code, 500);
    assert.equal(error.chaincodeMessage, 'insufficient funds in account a');
    assert.equal(error.failure.grpcCode, 10);
    assert.equal(error.failure.grpcStatus, 'ABORTED');
    assert.equal(error.failure.txId, 'tx1');
    assert.equal(error.failure.errorDetails[0]?.address, 'peer0:7051');
  });

  test('chaincode status in the evaluate message (UNKNOWN) is recognised too', () => {
    const error = toFabricError(
      gatewayError(2, 'evaluate call to endorser returned error: chaincode response 404, not here'),
      'Evaluate',
    );
    assert.ok(error instanceof FabricChaincodeError);
    assert.equal(error.code, 404);
    assert.equal(error.chaincodeMessage, 'not here');
  });

  test('refusals keep the gRPC code and the endorser message', () => {
    const error = toFabricError(
      gatewayError(
        9,
        'evaluate call to endorser returned error: error validating proposal: empty signature bytes',
        ['error validating proposal: empty signature bytes'],
      ),
      'Evaluate',
    );
    assert.ok(error instanceof FabricRejectedError);
    assert.ok(error instanceof ChainRejectedError);
    assert.equal(error.code, 9);
    assert.match(error.message, /^Evaluate FAILED_PRECONDITION: evaluate call to endorser returned error/);
    const forbidden = toFabricError(
      gatewayError(10, 'received unsuccessful response from orderer: status=FORBIDDEN, info=x'),
      'Submit',
    );
    assert.ok(forbidden instanceof FabricRejectedError);
    assert.equal(
      forbidden.details.grpcMessage,
      'received unsuccessful response from orderer: status=FORBIDDEN, info=x',
    );
  });

  test('UNAVAILABLE is unavailability, except for a channel the gateway has no config for', () => {
    const down = toFabricError(gatewayError(14, 'No connection established'), 'Evaluate');
    assert.ok(down instanceof FabricUnavailableError);
    assert.ok(down instanceof ChainUnavailableError);
    const channel = toFabricError(
      gatewayError(14, 'failed to get config for channel [nochannel]: channel not found'),
      'Evaluate',
    );
    assert.ok(channel instanceof FabricRejectedError);
  });

  test('DEADLINE_EXCEEDED is a timeout; other errors pass through unchanged', () => {
    const timeout = toFabricError(gatewayError(4, 'Deadline exceeded'), 'CommitStatus');
    assert.ok(timeout instanceof FabricTimeoutError);
    assert.ok(timeout instanceof ChainTimeoutError);
    const plain = new TypeError('boom');
    assert.equal(toFabricError(plain, 'Evaluate'), plain);
  });

  test('FabricCommitError names the validation code', () => {
    const error = new FabricCommitError(11, 'tx9', 42n);
    assert.ok(error instanceof ChainRevertError);
    assert.equal(error.code, 'MVCC_READ_CONFLICT');
    assert.equal(error.validationCode, 11);
    assert.equal(error.details.blockNumber, '42');
    assert.match(error.message, /tx9 failed to commit with status code 11 \(MVCC_READ_CONFLICT\)/);
  });
});
