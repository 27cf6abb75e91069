/**
 * What a channel's config block says a verifier must trust: each organisation's MSP,
 * which organisations order, the policies (BlockValidation among them), the channel id.
 * Read from the CONFIG envelope's ConfigEnvelope.config (configtx protos), which holds
 * the whole configuration, not just the last change.
 */

import type { FabricBlock } from './block-file.ts';
import { blockHeaderHash } from './block-hash.ts';
import { ChannelConfigError, decodingAs } from './evidence-errors.ts';
import { decodeChannelHeader } from './header-codec.ts';
import { type Msp, readMspConfig } from './msp.ts';
import { type Policy, type PolicyGroup, readPolicy } from './policy.ts';
import {
  bytesField,
  decodeFields,
  messageField,
  repeatedBytes,
  stringField,
  varintField,
} from './protobuf-wire.ts';

export interface ChannelTrust {
  channelId: string;
  /** Number and header hash of the config block this was read from. */
  configBlockNumber: bigint;
  configBlockHash: Uint8Array;
  /** Config sequence: how many config updates the channel has had. */
  sequence: bigint;
  /** Orderer ConsensusType: solo, kafka or etcdraft (BFT is refused). */
  consensusType: string;
  /** Every organisation's MSP, by MSP id. */
  msps: ReadonlyMap<string, Msp>;
  /** MSP ids of the orderer organisations and of the application organisations. */
  ordererOrgs: string[];
  applicationOrgs: string[];
  /** The same MSPs, split: orderers sign blocks, application organisations' peers endorse. */
  ordererMsps: ReadonlyMap<string, Msp>;
  applicationMsps: ReadonlyMap<string, Msp>;
  /** Each application organisation's config group (its Endorsement policy, say), by MSP id. */
  applicationOrgGroups: ReadonlyMap<string, PolicyGroup>;
  /** The /Channel group: its policies and sub-groups (Orderer, Application and their organisations). */
  root: PolicyGroup;
  orderer: PolicyGroup;
  application: PolicyGroup | null;
  blockValidation: Policy;
}

/** common.HeaderType.CONFIG */
export const CONFIG = 1;

interface ConfigGroup extends PolicyGroup {
  values: ReadonlyMap<string, Uint8Array>;
  groups: ReadonlyMap<string, ConfigGroup>;
}

/** Channel > Orderer|Application > organisation: anything deeper is not a channel config. */
const MAX_GROUP_DEPTH = 4;

function mapEntries(fields: ReturnType<typeof decodeFields>, field: number): Array<[string, Uint8Array]> {
  return repeatedBytes(fields, field).map((entry) => {
    const pair = decodeFields(entry);
    return [stringField(pair, 1), bytesField(pair, 2)];
  });
}

function readGroup(bytes: Uint8Array, depth: number): ConfigGroup {
  if (depth > MAX_GROUP_DEPTH) throw new ChannelConfigError('config groups nested too deep');
  const fields = decodeFields(bytes);
  return {
    groups: new Map(mapEntries(fields, 2).map(([name, group]) => [name, readGroup(group, depth + 1)])),
    // ConfigValue { version, value, mod_policy }
    values: new Map(mapEntries(fields, 3).map(([name, value]) => [name, bytesField(decodeFields(value), 2)])),
    // ConfigPolicy { version, policy, mod_policy }
    policies: new Map(
      mapEntries(fields, 4).map(([name, policy]) => [name, readPolicy(bytesField(decodeFields(policy), 2))]),
    ),
  };
}

/** Reads the MSP value of each organisation group; returns their groups by MSP id. */
function readOrganisations(group: ConfigGroup, msps: Map<string, Msp>): Map<string, PolicyGroup> {
  const ids = new Map<string, PolicyGroup>();
  for (const org of group.groups.values()) {
    const value = org.values.get('MSP');
    if (!value) continue;
    const msp = readMspConfig(value);
    if (!msp) continue;
    const known = msps.get(msp.id);
    // The same MSP may serve as orderer and application organisation (Fabric's SampleOrg).
    if (!known) msps.set(msp.id, msp);
    ids.set(msp.id, org);
  }
  return ids;
}

const MAX_UINT32 = 0xffffffffn;

/** Reads the channel trust from a config block (the genesis block, or a later config block). */
export function readChannelConfig(block: FabricBlock): ChannelTrust {
  return decodingAs(ChannelConfigError, 'config block', () => {
    if (block.data.length !== 1) throw new ChannelConfigError('config block: must hold one envelope');
    const envelope = decodeFields(block.data[0] as Uint8Array);
    const payload = decodeFields(bytesField(envelope, 1));
    const header = decodeChannelHeader(bytesField(messageField(payload, 1), 1));
    if (header.type !== CONFIG) throw new ChannelConfigError('config block: not a CONFIG transaction');
    const config = messageField(decodeFields(bytesField(payload, 2)), 1);
    const root = readGroup(bytesField(config, 2), 0);
    const hashing = root.values.get('HashingAlgorithm');
    if (!hashing || stringField(decodeFields(hashing), 1) !== 'SHA256') {
      throw new ChannelConfigError('config block: hashing algorithm is not SHA256');
    }
    const structure = root.values.get('BlockDataHashingStructure');
    if (!structure || varintField(decodeFields(structure), 1) !== MAX_UINT32) {
      throw new ChannelConfigError('config block: block data hashing structure is not the flat one');
    }
    const orderer = root.groups.get('Orderer');
    if (!orderer) throw new ChannelConfigError('config block: no Orderer group');
    const consensus = orderer.values.get('ConsensusType');
    const consensusType = consensus ? stringField(decodeFields(consensus), 1) : '';
    // BFT blocks carry identifier headers and a quorum over consenters: a different check.
    if (consensusType === 'BFT') throw new ChannelConfigError('config block: BFT ordering is not supported');
    const blockValidation = orderer.policies.get('BlockValidation');
    if (!blockValidation) throw new ChannelConfigError('config block: no BlockValidation policy');
    const msps = new Map<string, Msp>();
    const ordererOrgs = [...readOrganisations(orderer, msps).keys()];
    const application = root.groups.get('Application') ?? null;
    const applicationOrgGroups = application ? readOrganisations(application, msps) : new Map();
    const applicationOrgs = [...applicationOrgGroups.keys()];
    if (ordererOrgs.length === 0) throw new ChannelConfigError('config block: no orderer organisation');
    const subset = (ids: string[]) => new Map(ids.map((id) => [id, msps.get(id) as Msp]));
    return {
      channelId: header.channel,
      configBlockNumber: block.number,
      configBlockHash: blockHeaderHash(block.number, block.previousHash, block.dataHash),
      sequence: varintField(config, 1),
      consensusType,
      msps,
      ordererOrgs,
      applicationOrgs,
      ordererMsps: subset(ordererOrgs),
      applicationMsps: subset(applicationOrgs),
      applicationOrgGroups,
      root,
      orderer,
      application,
      blockValidation,
    };
  });
}
