/**
 * The ordering service of one channel (Solo, one orderer of OrdererMSP): accepted
 * envelopes wait in a batch cut when the batch timeout (started by its first
 * transaction, as Fabric's BatchTimeout) expires or the batch reaches its size
 * limit. Each block is signed as Fabric 2.x's block writer signs it and delivered
 * to every peer of the channel, which validates it and fills TRANSACTIONS_FILTER.
 *
 *   metadata[SIGNATURES]  = Metadata { value: OrdererBlockMetadata { last_config },
 *                                      signatures: [{ signature_header: SignatureHeader { creator, nonce },
 *                                                     signature over value ‖ signature_header ‖ DER(header) }] }
 *   metadata[LAST_CONFIG] = Metadata { value: LastConfig { index } }
 */
import { createHash, randomBytes } from 'node:crypto';
import { common } from '@hyperledger/fabric-protos';
import { blockHeaderBytes } from '../../chains/fabric/block-hash.ts';
import { type DecodedEnvelope, decodeEnvelope } from '../../chains/fabric/envelope-codec.ts';
import { encodeSerializedIdentity } from '../../chains/fabric/header-codec.ts';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import { newMessageSigner } from '../../chains/fabric/node-signer.ts';
import { encodeFields } from '../../chains/fabric/protobuf-wire.ts';
import type { CommittedBlock } from './ledger.ts';
import { dataHashOf, headerHashOf } from './node-hash.ts';

/** Fabric's BlockMetadataIndex. */
export const METADATA = { SIGNATURES: 0, LAST_CONFIG: 1, TRANSACTIONS_FILTER: 2, ORDERER: 3, COMMIT_HASH: 4 };
const METADATA_SLOTS = 5;

/** A block as the orderer cut it: header and data encoded once, metadata without a filter. */
export interface OrderedBlock {
  number: bigint;
  headerHash: Uint8Array;
  /** common.BlockHeader protobuf bytes. */
  header: Uint8Array;
  /** common.BlockData protobuf bytes. */
  data: Uint8Array;
  /** Block fields 1 and 2 (header, data) as they start every peer's copy of the block. */
  body: Uint8Array;
  envelopes: Uint8Array[];
  decoded: Array<DecodedEnvelope | null>;
  /** metadata[SIGNATURES] and metadata[LAST_CONFIG], as the orderer wrote them. */
  signatures: Uint8Array;
  lastConfig: Uint8Array;
}

/** LastConfig { index = 1 }. */
function lastConfigBytes(index: bigint): Uint8Array {
  return encodeFields([[1, index]]);
}

/** OrdererBlockMetadata { last_config = 1 } (no consenter metadata under Solo); LastConfig kept even when empty, as Go marshals a set message. */
function ordererBlockMetadata(lastConfig: bigint): Uint8Array {
  return encodeFields([[1, lastConfigBytes(lastConfig), 'repeated']]);
}

/** Block { header = 1, data = 2 }: the part of the block every peer's copy shares. */
function blockBody(header: Uint8Array, data: Uint8Array): Uint8Array {
  return Buffer.concat([encodeFields([[1, header, 'repeated']]), encodeFields([[2, data, 'repeated']])]);
}

/** The block's bytes with a peer's validation codes: Block { header = 1, data = 2, metadata = 3 }. */
export function completeBlock(ordered: OrderedBlock, filter: Uint8Array): CommittedBlock {
  const slots: Uint8Array[] = Array.from({ length: METADATA_SLOTS }, () => new Uint8Array(0));
  slots[METADATA.SIGNATURES] = ordered.signatures;
  slots[METADATA.LAST_CONFIG] = ordered.lastConfig;
  slots[METADATA.TRANSACTIONS_FILTER] = filter;
  const metadata = encodeFields(
    slots.map((slot) => [1, slot, 'repeated'] as [number, Uint8Array, 'repeated']),
  );
  return {
    number: ordered.number,
    bytes: Buffer.concat([ordered.body, encodeFields([[3, metadata, 'repeated']])]),
    headerHash: ordered.headerHash,
    envelopes: ordered.envelopes,
    filter,
    decoded: ordered.decoded,
  };
}

function orderBlock(
  number: bigint,
  previousHash: Uint8Array,
  envelopes: Uint8Array[],
  decoded: Array<DecodedEnvelope | null>,
  lastConfig: bigint,
  sign: ((headerDer: Uint8Array, value: Uint8Array) => Uint8Array) | null,
): OrderedBlock {
  const dataHash = dataHashOf(envelopes);
  const headerDer = blockHeaderBytes(number, previousHash, dataHash);
  const value = ordererBlockMetadata(lastConfig);
  // BlockHeader { number = 1, previous_hash = 2, data_hash = 3 }
  const header = Uint8Array.from(
    encodeFields([
      [1, number],
      [2, previousHash],
      [3, dataHash],
    ]),
  );
  const data = encodeFields(
    envelopes.map((envelope) => [1, envelope, 'repeated'] as [number, Uint8Array, 'repeated']),
  );
  return {
    number,
    headerHash: new Uint8Array(createHash('sha256').update(headerDer).digest()),
    header,
    data,
    body: blockBody(header, data),
    envelopes,
    decoded,
    signatures: Uint8Array.from(sign ? sign(headerDer, value) : encodeFields([[1, value]])),
    lastConfig: Uint8Array.from(encodeFields([[1, lastConfigBytes(lastConfig)]])),
  };
}

/** Block 0: the config envelope, signed by nobody (as configtxgen's genesis block). */
export function genesisBlock(configEnvelope: Uint8Array): OrderedBlock {
  return orderBlock(0n, new Uint8Array(0), [configEnvelope], [null], 0n, null);
}

export interface OrdererOptions {
  identity: FabricSigningIdentity;
  /** Height and last header hash the channel's peers agree on. */
  height: bigint;
  previousHash: Uint8Array;
  blockIntervalMs: number;
  maxBlockTxs: number;
  /** Hands each cut block to every peer of the channel, in order. */
  deliver: (block: OrderedBlock) => void;
}

export class Orderer {
  readonly #options: OrdererOptions;
  readonly #creator: Uint8Array;
  readonly #sign: (message: Uint8Array) => Uint8Array;
  #height: bigint;
  #previousHash: Uint8Array;
  #batch: Uint8Array[] = [];
  /** What Submit already decoded, per batch entry, so a block decodes each envelope once. */
  #decoded: Array<DecodedEnvelope | null> = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: OrdererOptions) {
    this.#options = options;
    this.#creator = encodeSerializedIdentity(options.identity);
    this.#sign = newMessageSigner(options.identity);
    this.#height = options.height;
    this.#previousHash = options.previousHash;
  }

  /** Accepts an envelope (checked by the broadcast filters) for the next block. */
  enqueue(envelope: Uint8Array, decoded: DecodedEnvelope | null): void {
    if (this.#closed) throw new Error('orderer is shutting down');
    this.#batch.push(envelope);
    this.#decoded.push(decoded);
    if (this.#batch.length >= this.#options.maxBlockTxs) this.cut();
    else this.#timer ??= setTimeout(() => this.cut(), this.#options.blockIntervalMs);
  }

  /** Cuts, signs and delivers the pending batch now. */
  cut(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.length === 0) return;
    const envelopes = this.#batch;
    const decoded = this.#decoded;
    this.#batch = [];
    this.#decoded = [];
    const block = orderBlock(this.#height, this.#previousHash, envelopes, decoded, 0n, (headerDer, value) =>
      this.#signBlock(headerDer, value),
    );
    this.#height++;
    this.#previousHash = block.headerHash;
    this.#options.deliver(block);
  }

  /** Fabric's BlockWriter.addBlockSignature: one MetadataSignature by this orderer. */
  #signBlock(headerDer: Uint8Array, value: Uint8Array): Uint8Array {
    // SignatureHeader { creator = 1, nonce = 2 }
    const signatureHeader = Uint8Array.from(
      encodeFields([
        [1, this.#creator],
        [2, randomBytes(24)],
      ]),
    );
    const signature = this.#sign(Buffer.concat([value, signatureHeader, headerDer]));
    // Metadata { value = 1, signatures = 2 (MetadataSignature { signature_header = 1, signature = 2 }) }
    return encodeFields([
      [1, value],
      [
        2,
        encodeFields([
          [1, signatureHeader],
          [2, signature],
        ]),
        'repeated',
      ],
    ]);
  }

  /** Delivers what was accepted, then refuses more. */
  close(): void {
    this.cut();
    this.#closed = true;
  }
}

/** A block a peer committed, back as the orderer cut it (to bring a lagging peer up to date). */
export function orderedFromBlock(bytes: Uint8Array): OrderedBlock {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader() ?? new common.BlockHeader();
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
  const number = BigInt(header.getNumber());
  const headerBytes = header.serializeBinary();
  const data = block.getData()?.serializeBinary() ?? new Uint8Array(0);
  return {
    number,
    headerHash: headerHashOf(number, header.getPreviousHash_asU8(), header.getDataHash_asU8()),
    header: headerBytes,
    data,
    body: blockBody(headerBytes, data),
    envelopes,
    decoded: envelopes.map((envelope) => {
      try {
        return decodeEnvelope(envelope);
      } catch {
        return null;
      }
    }),
    signatures: metadata[METADATA.SIGNATURES] ?? new Uint8Array(0),
    lastConfig: metadata[METADATA.LAST_CONFIG] ?? new Uint8Array(0),
  };
}
