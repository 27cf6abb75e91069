/**
 * Granted reads at the router that fronts the data (docs/grants.md): the grant and the read
 * proof are checked here first, then the contract or chaincode checks them again and returns
 * only the fields the grant covers.
 *
 * Revocation: the router asks the chain once per grant, then follows the resource's
 * `GrantRevoked` events, so a revoked grant is refused here from the block that revokes it
 * without a chain round trip per read. A revocation relayed through this router applies as
 * soon as its receipt passes, before the event stream reports it.
 *
 * Reads under a grant go through `readGranted` only: a `call`, `prepare`, `endorse` or `submit`
 * that would run the grant read method is refused, or it would skip this router's one-time-use
 * (replay) check and revocation cache, which the chain cannot run in a read.
 */
import { Interface, type InterfaceAbi } from 'ethers';
import type { ChainConnector, ChainEvent, TransactionReceipt } from '../chains/connector.ts';
import { decodeEnvelope } from '../chains/fabric/envelope-codec.ts';
import { fromHex } from '../chains/fabric/offline-signing.ts';
import { decodeProposal, decodeSignedProposal } from '../chains/fabric/proposal-codec.ts';
import { decodeTransaction } from '../chains/fisco-bcos/transaction.ts';
import type { Hex } from '../grants/typed-data.ts';
import { GrantRejectedError, GrantVerifier } from '../grants/verify.ts';
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import type { GrantedRecord, RequestBody, ResourceEntry } from '../protocol/messages.ts';
import { type ChainEvents, connectorEvents } from './chain-events.ts';
import type { Logger } from './log.ts';
import type { RouterMetrics } from './metrics.ts';

/** The data-holding methods, as each chain type names them. */
const METHODS = {
  'fisco-bcos': { read: 'readWithGrant', isRevoked: 'isRevoked' },
  fabric: { read: 'ReadWithGrant', isRevoked: 'IsRevoked' },
} as const;

const RESUBSCRIBE_MS = 1_000;

export interface GrantedReads {
  read(
    connector: ChainConnector,
    entry: ResourceEntry,
    body: { path: string; grant: unknown; proof: unknown },
  ): Promise<GrantedRecord>;
  /**
   * Throws BAD_REQUEST when `body` (an op on a path this router fronts) would run the resource's
   * grant read method outside `readGranted`.
   */
  refuseUngatedRead(entry: ResourceEntry, body: RequestBody): void;
  /** A receipt this router relayed for a path it fronts: a revocation in it applies at once. */
  observeReceipt(path: string, receipt: TransactionReceipt): void;
  close(): void;
}

export function createGrantedReads(options: {
  log: Logger;
  metrics: RouterMetrics;
  /** Where revocation events come from: the router's shared upstreams; default, the connector. */
  events?: ChainEvents;
}): GrantedReads {
  const watches = new Map<string, RevocationWatch>();
  const verifiers = new Map<string, GrantVerifier>();

  function verifierFor(connector: ChainConnector, entry: ResourceEntry): GrantVerifier {
    let verifier = verifiers.get(entry.path);
    if (!verifier) {
      const check = createGrantCheck(connector, entry, options.log, options.events);
      watches.set(entry.path, check.watch);
      verifier = check.verifier;
      verifiers.set(entry.path, verifier);
    }
    return verifier;
  }

  return {
    async read(connector, entry, body) {
      const methods = METHODS[entry.chain.type];
      if (!entry.methods.some((m) => m.name === methods.read)) {
        throw new HipError(HipErrorCode.unsupportedOperation, `${entry.path} holds no granted data`);
      }
      try {
        await verifierFor(connector, entry).verify(entry.path, body.grant, body.proof);
      } catch (error) {
        if (!(error instanceof GrantRejectedError)) throw error;
        options.metrics.grantRejections.inc({ reason: error.reason });
        throw new HipError(HipErrorCode.grantRejected, error.message, {
          reason: error.reason,
          ...(error.grantId ? { grantId: error.grantId } : {}),
        });
      }
      const { grant, signature } = body.grant as { grant: object; signature: string };
      const { read, signature: readSignature } = body.proof as { read: object; signature: string };
      const args =
        entry.chain.type === 'fabric'
          ? [JSON.stringify(grant), signature, JSON.stringify(read), readSignature]
          : [grant, signature, read, readSignature];
      const result = await connector.call({ resource: entry.path, method: methods.read, args });
      return grantedRecord(entry, result.values, (read as { record: string }).record);
    },
    refuseUngatedRead(entry, body) {
      const read = METHODS[entry.chain.type].read;
      if (!entry.methods.some((m) => m.name === read) || !runsMethod(entry, body, read)) return;
      options.metrics.grantRejections.inc({ reason: 'ungated-read' });
      throw new HipError(
        HipErrorCode.badRequest,
        `${read} of ${entry.path} is read through readGranted, which checks the grant's one-time use and revocation`,
        { method: read, op: body.op },
      );
    },
    observeReceipt(path, receipt) {
      if (receipt.status !== 'success') return;
      for (const event of receipt.events) watches.get(path)?.observe(event);
    },
    close() {
      for (const watch of watches.values()) watch.close();
      watches.clear();
      verifiers.clear();
    },
  };
}

/**
 * The check a router runs for one resource: the verifier, asking the chain about revocation once
 * per grant and then following its events. Exported so the benchmark times this very path.
 */
export function createGrantCheck(
  connector: ChainConnector,
  entry: ResourceEntry,
  log: Logger,
  events: ChainEvents = connectorEvents,
): { verifier: GrantVerifier; watch: RevocationWatch } {
  const watch = new RevocationWatch(connector, entry, log, events);
  return { verifier: new GrantVerifier({ isRevoked: (issuer, id) => watch.isRevoked(issuer, id) }), watch };
}

/** abi -> method -> selector: parsing the ABI on every relayed transaction would cost more than the relay. */
const selectors = new WeakMap<object, Map<string, string | undefined>>();

function selectorOf(abi: InterfaceAbi, method: string): string | undefined {
  if (typeof abi !== 'object' || abi === null) return new Interface(abi).getFunction(method)?.selector;
  let known = selectors.get(abi);
  if (!known) {
    known = new Map();
    selectors.set(abi, known);
  }
  if (!known.has(method)) known.set(method, new Interface(abi).getFunction(method)?.selector);
  return known.get(method);
}

/**
 * Whether `body` runs `method` on the chain: by name for `call`; for signed payloads, by the
 * function the signed proposal or envelope invokes (Fabric) or the transaction's selector (FISCO
 * BCOS). A payload that does not decode runs nothing here: the connector refuses it as malformed.
 */
function runsMethod(entry: ResourceEntry, body: RequestBody, method: string): boolean {
  if (body.op === 'call') return body.method === method;
  if (body.op !== 'prepare' && body.op !== 'endorse' && body.op !== 'submit') return false;
  try {
    if (entry.chain.type === 'fabric') {
      const fn =
        body.op === 'submit'
          ? decodeEnvelope(fromHex(body.signed)).fn
          : decodeProposal(decodeSignedProposal(fromHex(body.signed)).proposalBytes).fn;
      // `contract:function` names a contract of the chaincode; the function is what runs.
      return fn === method || fn.endsWith(`:${method}`);
    }
    if (body.op !== 'submit' || entry.abi === undefined) return false;
    const selector = selectorOf(entry.abi as InterfaceAbi, method);
    const data = decodeTransaction(body.signed as `0x${string}`).fields.data;
    return selector !== undefined && data.slice(0, 10).toLowerCase() === selector;
  } catch {
    return false;
  }
}

/**
 * FISCO returns `(string[] fields, string[] values, string key)`; the chaincode returns
 * `{ record, fields, key }` as JSON. A missing key (a contract or chaincode from before key
 * blobs) is "".
 */
function grantedRecord(entry: ResourceEntry, values: unknown[], record: string): GrantedRecord {
  if (entry.chain.type === 'fabric') {
    const value = typeof values[0] === 'string' ? JSON.parse(values[0]) : values[0];
    const { fields, key } = (value ?? {}) as { fields?: unknown; key?: unknown };
    if (fields === null || typeof fields !== 'object') {
      throw new HipError(HipErrorCode.chainError, 'the chaincode returned no fields');
    }
    return {
      record,
      fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])),
      key: typeof key === 'string' ? key : '',
    };
  }
  const [names, contents, key] = values as [string[], string[], unknown];
  return {
    record,
    fields: Object.fromEntries(names.map((name, i) => [name, String(contents[i])])),
    key: typeof key === 'string' ? key : '',
  };
}

export class RevocationWatch {
  readonly #connector: ChainConnector;
  readonly #entry: ResourceEntry;
  readonly #log: Logger;
  readonly #events: ChainEvents;
  /** grant id -> revoked, valid only while the event subscription runs. */
  readonly #known = new Map<string, boolean>();
  #controller: AbortController | null = null;
  #retryAt = 0;

  constructor(
    connector: ChainConnector,
    entry: ResourceEntry,
    log: Logger,
    events: ChainEvents = connectorEvents,
  ) {
    this.#connector = connector;
    this.#entry = entry;
    this.#log = log;
    this.#events = events;
  }

  async isRevoked(issuer: string, grantId: Hex): Promise<boolean> {
    this.#watch();
    const known = this.#known.get(grantId);
    if (known !== undefined) return known;
    const method = METHODS[this.#entry.chain.type].isRevoked;
    const result = await this.#connector.call({
      resource: this.#entry.path,
      method,
      args: [issuer, grantId],
    });
    const revoked = result.values[0] === true || result.values[0] === 'true';
    // Only while watching, and never over an event that arrived during the call.
    if (this.#controller && !this.#known.has(grantId)) this.#known.set(grantId, revoked);
    return revoked;
  }

  /** Marks the grant of a `GrantRevoked` event revoked (from a receipt or the event stream). */
  observe(event: ChainEvent): void {
    const grantId = event.args?.grantId;
    if (event.name === 'GrantRevoked' && typeof grantId === 'string') {
      this.#known.set(grantId.toLowerCase(), true);
    }
  }

  close(): void {
    this.#controller?.abort();
    this.#controller = null;
  }

  #watch(): void {
    if (this.#controller || !this.#connector.events || Date.now() < this.#retryAt) return;
    const controller = new AbortController();
    this.#controller = controller;
    const events = this.#events(this.#connector, this.#entry.path, { signal: controller.signal });
    void (async () => {
      try {
        for await (const event of events) this.observe(event);
      } catch (error) {
        if (!controller.signal.aborted) {
          this.#log.warn('revocation events stopped; asking the chain per read until they resume', {
            path: this.#entry.path,
            error: (error as Error).message,
          });
        }
      } finally {
        // Without events the cache could miss a revocation: drop it and ask the chain again.
        if (this.#controller === controller) {
          this.#controller = null;
          this.#known.clear();
          this.#retryAt = Date.now() + RESUBSCRIBE_MS;
        }
      }
    })();
  }
}
