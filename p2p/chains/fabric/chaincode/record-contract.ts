/**
 * Per-owner record store: each identity keeps its own records (key = owner + id);
 * the owner may let another identity read a record (a grant), and revoke it. The
 * cross-domain grant checks of Weft (signed grants, revocation registry) build on this.
 *
 * Plain `Contract` subclass (no decorators): every public method is a transaction.
 */
import { type Context, Contract } from 'fabric-contract-api';

interface StoredRecord {
  owner: string;
  id: string;
  data: string;
  updatedTxId: string;
}

const RECORD = 'record';
const GRANT = 'grant';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RecordContract extends Contract {
  constructor() {
    super('records');
  }

  async PutRecord(ctx: Context, id: string, data: string): Promise<string> {
    if (!id) throw new Error('record id required');
    const owner = ctx.clientIdentity.getID();
    const record: StoredRecord = { owner, id, data, updatedTxId: ctx.stub.getTxID() };
    await ctx.stub.putState(
      ctx.stub.createCompositeKey(RECORD, [owner, id]),
      encoder.encode(JSON.stringify(record)),
    );
    ctx.stub.setEvent('RecordPut', encoder.encode(JSON.stringify({ owner, id })));
    return id;
  }

  /** Readable by the owner and by identities the owner granted. */
  async GetRecord(ctx: Context, owner: string, id: string): Promise<string> {
    const caller = ctx.clientIdentity.getID();
    if (caller !== owner) {
      const grant = await ctx.stub.getState(ctx.stub.createCompositeKey(GRANT, [owner, id, caller]));
      if (!grant || grant.length === 0) throw new Error(`access denied to record ${id}`);
    }
    const bytes = await ctx.stub.getState(ctx.stub.createCompositeKey(RECORD, [owner, id]));
    if (!bytes || bytes.length === 0) throw new Error(`record ${id} does not exist`);
    return decoder.decode(bytes);
  }

  /** The caller's own records, in key order. */
  async ListRecords(ctx: Context): Promise<string> {
    const owner = ctx.clientIdentity.getID();
    const records: StoredRecord[] = [];
    const iterator = await ctx.stub.getStateByPartialCompositeKey(RECORD, [owner]);
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        records.push(JSON.parse(decoder.decode(next.value.value)) as StoredRecord);
      }
    } finally {
      await iterator.close();
    }
    return JSON.stringify(records);
  }

  async DeleteRecord(ctx: Context, id: string): Promise<void> {
    const owner = ctx.clientIdentity.getID();
    const key = ctx.stub.createCompositeKey(RECORD, [owner, id]);
    const bytes = await ctx.stub.getState(key);
    if (!bytes || bytes.length === 0) throw new Error(`record ${id} does not exist`);
    await ctx.stub.deleteState(key);
    ctx.stub.setEvent('RecordDeleted', encoder.encode(JSON.stringify({ owner, id })));
  }

  async GrantRead(ctx: Context, id: string, grantee: string): Promise<void> {
    const owner = ctx.clientIdentity.getID();
    const record = await ctx.stub.getState(ctx.stub.createCompositeKey(RECORD, [owner, id]));
    if (!record || record.length === 0) throw new Error(`record ${id} does not exist`);
    await ctx.stub.putState(ctx.stub.createCompositeKey(GRANT, [owner, id, grantee]), encoder.encode('read'));
    ctx.stub.setEvent('ReadGranted', encoder.encode(JSON.stringify({ owner, id, grantee })));
  }

  async RevokeRead(ctx: Context, id: string, grantee: string): Promise<void> {
    const owner = ctx.clientIdentity.getID();
    await ctx.stub.deleteState(ctx.stub.createCompositeKey(GRANT, [owner, id, grantee]));
    ctx.stub.setEvent('ReadRevoked', encoder.encode(JSON.stringify({ owner, id, grantee })));
  }
}
