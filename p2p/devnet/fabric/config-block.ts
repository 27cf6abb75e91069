/**
 * Block 0 of a devpeer channel: a channel config block laid out as configtxgen
 * lays one out for the test network (Fabric 2.x, Solo): a Channel group with the
 * Application group (one group per application organisation) and the Orderer group
 * (the ordering organisation), each organisation's MSP (root certificate, NodeOUs),
 * the ImplicitMeta policies of each level, signature policies of each organisation,
 * and the Orderer's `BlockValidation`. A client learns the channel's trust roots here.
 */
import { common, msp, orderer, peer } from '@hyperledger/fabric-protos';
import { encodeFields } from '../../chains/fabric/protobuf-wire.ts';
import type { TestCa } from './test-ca.ts';

export interface ConfigBlockInput {
  channel: string;
  /** Application organisations (Org1MSP, Org2MSP), each with an anchor peer. */
  applicationOrgs: Array<{ ca: TestCa; anchorPeer: { host: string; port: number } }>;
  ordererOrg: { ca: TestCa; endpoint: string };
  batchTimeout: string;
  maxMessageCount: number;
  /** Milliseconds since the epoch, for the channel header's timestamp. */
  timestamp: number;
}

const MOD_POLICY_ADMINS = 'Admins';
const pem = (text: string) => new TextEncoder().encode(text);

function value(message: { serializeBinary(): Uint8Array }): common.ConfigValue {
  const configValue = new common.ConfigValue();
  configValue.setValue(message.serializeBinary());
  configValue.setModPolicy(MOD_POLICY_ADMINS);
  return configValue;
}

function policy(type: number, body: { serializeBinary(): Uint8Array }): common.ConfigPolicy {
  const inner = new common.Policy();
  inner.setType(type);
  inner.setValue(body.serializeBinary());
  const configPolicy = new common.ConfigPolicy();
  configPolicy.setPolicy(inner);
  configPolicy.setModPolicy(MOD_POLICY_ADMINS);
  return configPolicy;
}

type ImplicitRule = 'ANY' | 'ALL' | 'MAJORITY';

function implicitMeta(rule: ImplicitRule, subPolicy: string): common.ConfigPolicy {
  const meta = new common.ImplicitMetaPolicy();
  meta.setSubPolicy(subPolicy);
  meta.setRule(common.ImplicitMetaPolicy.Rule[rule]);
  return policy(common.Policy.PolicyType.IMPLICIT_META, meta);
}

type Role = 'MEMBER' | 'ADMIN' | 'CLIENT' | 'PEER' | 'ORDERER';

/** OR over (mspId, role) principals: configtxgen's "OR('Org1MSP.admin', ...)". */
export function signedByAnyOf(mspId: string, roles: Role[]): common.SignaturePolicyEnvelope {
  const envelope = new common.SignaturePolicyEnvelope();
  envelope.setIdentitiesList(
    roles.map((role) => {
      const mspRole = new msp.MSPRole();
      mspRole.setMspIdentifier(mspId);
      mspRole.setRole(msp.MSPRole.MSPRoleType[role]);
      const principal = new msp.MSPPrincipal();
      principal.setPrincipalClassification(msp.MSPPrincipal.Classification.ROLE);
      principal.setPrincipal(mspRole.serializeBinary());
      return principal;
    }),
  );
  const rule = new common.SignaturePolicy();
  const nOutOf = new common.SignaturePolicy.NOutOf();
  nOutOf.setN(1);
  nOutOf.setRulesList(
    roles.map((_, index) => {
      const signedBy = new common.SignaturePolicy();
      signedBy.setSignedBy(index);
      return signedBy;
    }),
  );
  rule.setNOutOf(nOutOf);
  envelope.setRule(rule);
  return envelope;
}

function signature(mspId: string, roles: Role[]): common.ConfigPolicy {
  return policy(common.Policy.PolicyType.SIGNATURE, signedByAnyOf(mspId, roles));
}

function ouIdentifier(ca: TestCa, ou: string): msp.FabricOUIdentifier {
  const identifier = new msp.FabricOUIdentifier();
  identifier.setCertificate(pem(ca.certificate));
  identifier.setOrganizationalUnitIdentifier(ou);
  return identifier;
}

/** An organisation's MSP as configtxgen writes it from an MSP folder with NodeOUs enabled. */
function mspValue(ca: TestCa): common.ConfigValue {
  const fabric = new msp.FabricMSPConfig();
  fabric.setName(ca.mspId);
  fabric.setRootCertsList([pem(ca.certificate)]);
  const crypto = new msp.FabricCryptoConfig();
  crypto.setSignatureHashFamily('SHA2');
  crypto.setIdentityIdentifierHashFunction('SHA256');
  fabric.setCryptoConfig(crypto);
  const nodeOus = new msp.FabricNodeOUs();
  nodeOus.setEnable(true);
  nodeOus.setClientOuIdentifier(ouIdentifier(ca, 'client'));
  nodeOus.setPeerOuIdentifier(ouIdentifier(ca, 'peer'));
  nodeOus.setAdminOuIdentifier(ouIdentifier(ca, 'admin'));
  nodeOus.setOrdererOuIdentifier(ouIdentifier(ca, 'orderer'));
  fabric.setFabricNodeOus(nodeOus);
  const config = new msp.MSPConfig();
  config.setType(0); // FABRIC
  config.setConfig(fabric.serializeBinary());
  return value(config);
}

function capabilities(name: string): common.ConfigValue {
  const caps = new common.Capabilities();
  caps.getCapabilitiesMap().set(name, new common.Capability());
  return value(caps);
}

function group(
  values: Record<string, common.ConfigValue>,
  policies: Record<string, common.ConfigPolicy>,
  groups: Record<string, common.ConfigGroup> = {},
): common.ConfigGroup {
  const configGroup = new common.ConfigGroup();
  for (const [name, v] of Object.entries(values)) configGroup.getValuesMap().set(name, v);
  for (const [name, p] of Object.entries(policies)) configGroup.getPoliciesMap().set(name, p);
  for (const [name, g] of Object.entries(groups)) configGroup.getGroupsMap().set(name, g);
  configGroup.setModPolicy(MOD_POLICY_ADMINS);
  return configGroup;
}

export function buildConfigBlockEnvelope(input: ConfigBlockInput): Uint8Array {
  const applicationOrgs: Record<string, common.ConfigGroup> = {};
  for (const { ca, anchorPeer } of input.applicationOrgs) {
    const anchor = new peer.AnchorPeer();
    anchor.setHost(anchorPeer.host);
    anchor.setPort(anchorPeer.port);
    const anchors = new peer.AnchorPeers();
    anchors.setAnchorPeersList([anchor]);
    applicationOrgs[ca.mspId] = group(
      { MSP: mspValue(ca), AnchorPeers: value(anchors) },
      {
        Readers: signature(ca.mspId, ['ADMIN', 'PEER', 'CLIENT']),
        Writers: signature(ca.mspId, ['ADMIN', 'CLIENT']),
        Admins: signature(ca.mspId, ['ADMIN']),
        Endorsement: signature(ca.mspId, ['PEER']),
      },
    );
  }
  const application = group(
    { Capabilities: capabilities('V2_0') },
    {
      Readers: implicitMeta('ANY', 'Readers'),
      Writers: implicitMeta('ANY', 'Writers'),
      Admins: implicitMeta('MAJORITY', 'Admins'),
      LifecycleEndorsement: implicitMeta('MAJORITY', 'Endorsement'),
      Endorsement: implicitMeta('MAJORITY', 'Endorsement'),
    },
    applicationOrgs,
  );

  const ordererCa = input.ordererOrg.ca;
  const endpoints = new common.OrdererAddresses();
  endpoints.setAddressesList([input.ordererOrg.endpoint]);
  const ordererOrg = group(
    { MSP: mspValue(ordererCa), Endpoints: value(endpoints) },
    {
      Readers: signature(ordererCa.mspId, ['MEMBER']),
      Writers: signature(ordererCa.mspId, ['MEMBER']),
      Admins: signature(ordererCa.mspId, ['ADMIN']),
    },
  );
  const consensus = new orderer.ConsensusType();
  consensus.setType('solo');
  consensus.setState(orderer.ConsensusType.State.STATE_NORMAL);
  const batchSize = new orderer.BatchSize();
  batchSize.setMaxMessageCount(input.maxMessageCount);
  batchSize.setAbsoluteMaxBytes(99 * 1024 * 1024);
  batchSize.setPreferredMaxBytes(512 * 1024);
  const batchTimeout = new orderer.BatchTimeout();
  batchTimeout.setTimeout(input.batchTimeout);
  const ordererGroup = group(
    {
      ConsensusType: value(consensus),
      BatchSize: value(batchSize),
      BatchTimeout: value(batchTimeout),
      ChannelRestrictions: value(new orderer.ChannelRestrictions()),
      Capabilities: capabilities('V2_0'),
    },
    {
      Readers: implicitMeta('ANY', 'Readers'),
      Writers: implicitMeta('ANY', 'Writers'),
      Admins: implicitMeta('MAJORITY', 'Admins'),
      BlockValidation: implicitMeta('ANY', 'Writers'),
    },
    { OrdererOrg: ordererOrg },
  );

  const hashing = new common.HashingAlgorithm();
  hashing.setName('SHA256');
  const dataHashing = new common.BlockDataHashingStructure();
  dataHashing.setWidth(0xffffffff);
  const channelGroup = group(
    {
      HashingAlgorithm: value(hashing),
      BlockDataHashingStructure: value(dataHashing),
      OrdererAddresses: value(endpoints),
      Capabilities: capabilities('V2_0'),
    },
    {
      Readers: implicitMeta('ANY', 'Readers'),
      Writers: implicitMeta('ANY', 'Writers'),
      Admins: implicitMeta('MAJORITY', 'Admins'),
    },
    { Application: application, Orderer: ordererGroup },
  );
  const config = new common.Config();
  config.setChannelGroup(channelGroup);
  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(config);

  // ChannelHeader { type = 1, version = 2, timestamp = 3 (Timestamp { seconds = 1, nanos = 2 }), channel_id = 4 }
  const channelHeader = encodeFields([
    [1, common.HeaderType.CONFIG],
    [
      3,
      encodeFields([
        [1, Math.floor(input.timestamp / 1000)],
        [2, (input.timestamp % 1000) * 1_000_000],
      ]),
    ],
    [4, input.channel],
  ]);
  const header = new common.Header();
  header.setChannelHeader(channelHeader);
  header.setSignatureHeader(new common.SignatureHeader().serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  return envelope.serializeBinary();
}
