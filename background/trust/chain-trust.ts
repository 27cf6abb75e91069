/**
 * Trusts chains, not routers (docs/trust-model.md). Every outcome the wallet acts on passes
 * through here: a FISCO BCOS transaction's execution (Merkle proofs to a header sealed by a
 * quorum of the anchored sealers), a Fabric commit (the block, signed by the orderers, holding
 * the very envelope the wallet signed, marked VALID by peers of each organisation), a Fabric
 * read (endorsements satisfying the chaincode's policy, bound to the wallet's proposal).
 * Routers only carry the evidence. The anchors themselves come from `AnchorStore`: taken on
 * first use (checked for self-consistency, confirmed by a second router when one is
 * configured) or imported from the operators' profile file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  type ChainProfile,
  chainKeyOf,
  type FabricChainProfile,
  type FiscoChainProfile,
} from '../../p2p/chains/chain-profile.ts';
import type { Hex } from '../../p2p/chains/connector.ts';
import { decodeBlock } from '../../p2p/chains/fabric/block-file.ts';
import { blockHeaderHash as fabricHeaderHash } from '../../p2p/chains/fabric/block-hash.ts';
import { type ChannelTrust, readChannelConfig } from '../../p2p/chains/fabric/channel-config.ts';
import { followConfigAsync } from '../../p2p/chains/fabric/follow-config.ts';
import type { FabricSigningIdentity } from '../../p2p/chains/fabric/identity.ts';
import { fromHex, signProposal, toHex } from '../../p2p/chains/fabric/offline-signing.ts';
import {
  FabricConfigChangedError,
  FabricUnverifiedError,
} from '../../p2p/chains/fabric/verification-errors.ts';
import {
  type CommitVerdict,
  verifyCommittedTransactionAsync,
} from '../../p2p/chains/fabric/verify-commit.ts';
import { type EndorsedRead, verifyEndorsedReadAsync } from '../../p2p/chains/fabric/verify-endorsed-read.ts';
import { blockHeaderHash, verifyBlockHeader } from '../../p2p/chains/fisco-bcos/block-header.ts';
import { ecdsaScheme } from '../../p2p/chains/fisco-bcos/ecdsa.ts';
import { sm2Scheme } from '../../p2p/chains/fisco-bcos/sm2.ts';
import {
  type VerifiedFiscoExecution,
  verifyFiscoExecution,
} from '../../p2p/chains/fisco-bcos/verify-execution.ts';
import { failureKind } from '../../p2p/client/failover.ts';
import type { LightClient } from '../../p2p/client/light-client.ts';
import { HipError, HipErrorCode } from '../../p2p/protocol/errors.ts';
import type { AnchorSource, AnchorStore, StoredAnchor } from './anchor-store.ts';
import { parseChainProfile } from './profile-schema.ts';
import { EvidenceRefusedError, type Verification } from './verification.ts';

export interface ChainTrustOptions {
  anchors: AnchorStore;
  /** The light client of the moment (it changes when the user edits the router list). */
  client(): LightClient;
  /**
   * A second opinion on first use: the profile as another configured router answers it, with
   * that router's peer id; null when no other router is configured or it does not answer.
   */
  secondOpinion?(path: string): Promise<{ router: string; profile: unknown } | null>;
  /** How long a transaction's evidence may take to appear after the router reported it. */
  evidenceWaitMs?: number;
}

export interface FiscoOutcome {
  execution: VerifiedFiscoExecution;
  verification: Verification;
}

export interface FabricCommitOutcome {
  verdict: CommitVerdict;
  verification: Verification;
}

export interface FabricReadOutcome {
  read: EndorsedRead;
  verification: Verification;
}

const POLL_MS = 100;

/** Answers to a block request that may change once every peer has committed the block. */
const NOT_YET: ReadonlySet<string> = new Set([
  HipErrorCode.chainReverted,
  HipErrorCode.chainError,
  HipErrorCode.chainUnavailable,
]);

/**
 * Reasons a Fabric commit check fails on evidence that verified: peers of every organisation vouch
 * that the transaction is invalid (or it is invalid by its own signatures). The chain's answer,
 * not a router's lie: no other router is asked.
 */
const CHAIN_SAYS_NO: ReadonlySet<string> = new Set(['not-valid', 'transaction']);

export class ChainTrust {
  readonly #options: ChainTrustOptions;
  readonly anchors: AnchorStore;
  /** First uses in flight, by chain: two requests at once take one anchor. */
  readonly #taking = new Map<string, Promise<StoredAnchor>>();
  /** Parsed channel configs, by chain and config block hash. */
  readonly #channels = new Map<string, ChannelTrust>();
  /** Verified executions by transaction hash: sealed under PBFT, they are final. */
  readonly #executions = new Map<string, VerifiedFiscoExecution>();

  constructor(options: ChainTrustOptions) {
    this.#options = options;
    this.anchors = options.anchors;
  }

  /** The anchor of the chain behind `path`, taken on first use. */
  async anchor(path: string): Promise<StoredAnchor> {
    const chain = chainKeyOf(path);
    const stored = await this.#options.anchors.get(chain);
    if (stored) return stored;
    let taking = this.#taking.get(chain);
    if (!taking) {
      taking = this.#takeOnFirstUse(path).finally(() => this.#taking.delete(chain));
      this.#taking.set(chain, taking);
    }
    return taking;
  }

  /**
   * Stores a profile the chain's operators published for `chain` (`zone.chain`), after the same
   * self-consistency checks as on first use. Replaces what was anchored: the user chose it.
   */
  async importProfile(chain: string, value: unknown): Promise<StoredAnchor> {
    const profile = parseChainProfile(value);
    // The FISCO BCOS checks read headers through a resource of that chain.
    const resources = await this.#options.client().resources();
    const path = resources.find((r) => r.path.startsWith(`${chain}.`))?.path ?? `${chain}.profile`;
    const fingerprint = await this.#checkProfile(path, profile);
    const anchor: StoredAnchor = {
      chain,
      profile,
      source: { kind: 'file' },
      fingerprint,
      takenAt: Date.now(),
    };
    await this.#options.anchors.put(anchor);
    return anchor;
  }

  /**
   * The verified execution of FISCO BCOS transaction `txHash` on `path`'s chain: waits up to
   * `waitMs` for its evidence (a router reported it; the chain must show it). `sender`: the
   * account that signed it, when the wallet did (the hash binds the signature, so the sender
   * need not be recovered).
   */
  async fiscoExecution(
    path: string,
    txHash: Hex,
    waitMs = this.#options.evidenceWaitMs ?? 10_000,
    sender?: string,
    via?: LightClient,
  ): Promise<FiscoOutcome> {
    const known = this.#executions.get(txHash.toLowerCase());
    if (known) return { execution: known, verification: sealedBy(known) };
    const once = (link: LightClient) => this.#fiscoExecutionVia(link, path, txHash, waitMs, sender);
    // Through the router given (a write checks the receipt where it relayed), or through one
    // router after another: evidence that does not verify is a lie, and another router is asked.
    return via ? once(via) : this.#options.client().attempt(once, { path });
  }

  async #fiscoExecutionVia(
    client: LightClient,
    path: string,
    txHash: Hex,
    waitMs: number,
    sender: string | undefined,
  ): Promise<FiscoOutcome> {
    const until = Date.now() + waitMs;
    let evidence = await client.request({ op: 'txEvidence', path, txId: txHash });
    while (!evidence && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      evidence = await client.request({ op: 'txEvidence', path, txId: txHash });
    }
    if (!evidence) {
      throw new EvidenceRefusedError(path, `the chain shows no receipt for ${txHash}`, 'absent');
    }
    const anchor = await this.anchor(path);
    if (anchor.profile.type !== 'fisco-bcos') {
      throw new EvidenceRefusedError(
        path,
        `${anchor.chain} is anchored as a ${anchor.profile.type} chain`,
        null,
      );
    }
    let result: Awaited<ReturnType<typeof verifyFiscoExecution>>;
    try {
      result = await verifyFiscoExecution(evidence, anchor.profile, {
        txHash,
        ...(sender ? { sender } : {}),
        headerAt: (n) => client.request({ op: 'blockHeader', path, number: n }),
      });
    } catch (error) {
      throw new EvidenceRefusedError(path, reasonOf(error));
    }
    await this.#follow(anchor, result.anchor);
    this.#executions.set(txHash.toLowerCase(), result.execution);
    return { execution: result.execution, verification: sealedBy(result.execution) };
  }

  /**
   * Verifies that the Fabric envelope the wallet submitted (`submitted`, transaction `txId`)
   * committed VALID: asks peers of the channel's organisations, through the routers, for the
   * block holding it, in a qscc proposal the wallet signs with `signer`.
   */
  async fabricCommit(
    path: string,
    signer: FabricSigningIdentity,
    submitted: Uint8Array,
    txId: string,
    via?: LightClient,
  ): Promise<FabricCommitOutcome> {
    const { profile, trust } = await this.#fabric(path);
    const orgs = trust.applicationOrgs.slice();
    const proposal = signProposal(signer, {
      channel: profile.channel,
      chaincode: 'qscc',
      fn: 'GetBlockByTxID',
      args: [profile.channel, txId],
    });
    const once = async (client: LightClient): Promise<FabricCommitOutcome> => {
      // Peers commit a block one after the other: the router reported it from one peer, and the
      // others may be a block behind. Until every one of them has the block, endorsing fails.
      const until = Date.now() + (this.#options.evidenceWaitMs ?? 10_000);
      let envelope: Hex | undefined;
      for (;;) {
        try {
          ({ envelope } = await client.request({
            op: 'blockByTxId',
            path,
            signed: proposal.signed,
            orgs,
          }));
          break;
        } catch (error) {
          if (!(error instanceof HipError) || !NOT_YET.has(error.code) || Date.now() >= until) {
            throw new EvidenceRefusedError(
              path,
              `no peer-vouched block holds ${txId}: ${reasonOf(error)}`,
              failureKind(error) ?? 'absent',
            );
          }
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      }
      return this.#judgeCommit(
        client,
        path,
        profile,
        trust,
        orgs,
        proposal.signed,
        submitted,
        txId,
        envelope,
      );
    };
    return via ? once(via) : this.#options.client().attempt(once, { path });
  }

  async #judgeCommit(
    client: LightClient,
    path: string,
    profile: FabricChainProfile,
    trust: ChannelTrust,
    orgs: string[],
    qsccProposal: Hex,
    submitted: Uint8Array,
    txId: string,
    envelope: Hex,
  ): Promise<FabricCommitOutcome> {
    const answer = fromHex(envelope);
    const verify = (under: ChannelTrust) =>
      verifyCommittedTransactionAsync({
        trust: under,
        policies: profile.chaincodes,
        submitted,
        txId,
        qsccProposal: fromHex(qsccProposal),
        answer,
        requiredOrgs: orgs,
      });
    let verdict: CommitVerdict;
    try {
      try {
        verdict = await verify(trust);
      } catch (error) {
        // The block names a newer channel config: follow it if the old config signed it, then judge again.
        if (!(error instanceof FabricConfigChangedError)) throw error;
        verdict = await verify(await this.#followConfig(path, trust, client));
      }
    } catch (error) {
      // Verified, and it says no (peers vouch the transaction invalid): every router would say so.
      const answered = error instanceof FabricUnverifiedError && CHAIN_SAYS_NO.has(error.reason);
      throw new EvidenceRefusedError(path, reasonOf(error), answered ? null : 'lie');
    }
    return {
      verdict,
      verification: {
        by: `endorsed by ${verdict.endorsedBy.join(' and ')}, ordered by ${verdict.orderedBy.join(', ')}, valid per ${verdict.reportedBy.join(' and ')} (block ${verdict.blockNumber})`,
      },
    };
  }

  /**
   * A Fabric read the wallet acts on: the proposal the wallet signed, endorsed (not evaluated)
   * by peers whose signatures satisfy the chaincode's endorsement policy.
   */
  async fabricRead(
    path: string,
    signer: FabricSigningIdentity,
    call: { chaincode: string; fn: string; args: string[] },
  ): Promise<FabricReadOutcome> {
    const { profile, trust } = await this.#fabric(path);
    const proposal = signProposal(signer, { channel: profile.channel, ...call });
    // A read: the same signed proposal may be endorsed through another router when one lies.
    return this.#options.client().attempt(
      async (client) => {
        const prepared = await client.request({ op: 'endorse', path, signed: proposal.signed });
        let read: EndorsedRead;
        try {
          read = await verifyEndorsedReadAsync({
            trust,
            policy: policyOf(profile, trust, call.chaincode),
            proposal: fromHex(proposal.signed),
            envelope: fromHex(prepared.unsigned),
          });
        } catch (error) {
          throw new EvidenceRefusedError(path, reasonOf(error));
        }
        return { read, verification: { by: `endorsed by ${read.endorsedBy.join(' and ')}` } };
      },
      { path },
    );
  }

  async #fabric(path: string): Promise<{ profile: FabricChainProfile; trust: ChannelTrust }> {
    const anchor = await this.anchor(path);
    if (anchor.profile.type !== 'fabric') {
      throw new EvidenceRefusedError(
        path,
        `${anchor.chain} is anchored as a ${anchor.profile.type} chain`,
        null,
      );
    }
    const key = `${anchor.chain}@${digest(anchor.profile.configBlock)}`;
    let trust = this.#channels.get(key);
    if (!trust) {
      trust = readChannelConfig(decodeBlock(fromHex(anchor.profile.configBlock)));
      this.#channels.set(key, trust);
    }
    return { profile: anchor.profile, trust };
  }

  /**
   * Follows a Fabric channel config change: the channel's latest config block (as a router
   * answers it) is taken only if it is valid under the anchored config (the old orderers signed
   * it, per the old BlockValidation). The chaincode policies stay the anchored ones.
   */
  async #followConfig(path: string, old: ChannelTrust, client: LightClient): Promise<ChannelTrust> {
    const anchor = await this.anchor(path);
    const answer = parseChainProfile(await client.request({ op: 'chainProfile', path }));
    if (anchor.profile.type !== 'fabric' || answer.type !== 'fabric') {
      throw new EvidenceRefusedError(path, 'the chain answers a profile of another type');
    }
    const trust = await followConfigAsync(old, decodeBlock(fromHex(answer.configBlock)));
    const profile = { ...anchor.profile, configBlock: answer.configBlock };
    this.#channels.set(`${anchor.chain}@${digest(profile.configBlock)}`, trust);
    await this.#options.anchors.put({ ...anchor, profile, followedAt: Date.now() });
    return trust;
  }

  /** Moves a FISCO BCOS anchor to the sealer set its chain's signed headers led to. */
  async #follow(anchor: StoredAnchor, moved: FiscoChainProfile): Promise<void> {
    if (anchor.profile.type !== 'fisco-bcos' || moved.sealersAt <= anchor.profile.sealersAt) return;
    const changed = moved.sealers.join() !== anchor.profile.sealers.join();
    // Advancing the height alone is saved too, but only now and then: it only shortens later walks.
    if (!changed && moved.sealersAt - anchor.profile.sealersAt < 100) return;
    await this.#options.anchors.put({
      ...anchor,
      profile: moved,
      ...(changed ? { followedAt: Date.now() } : {}),
    });
  }

  async #takeOnFirstUse(path: string): Promise<StoredAnchor> {
    // A profile that fails its own checks is a lie: another router is asked.
    const { profile, fingerprint, router } = await this.#options.client().attempt(
      async (client) => {
        let profile: ChainProfile;
        try {
          profile = parseChainProfile(await client.request({ op: 'chainProfile', path }));
        } catch (error) {
          if (error instanceof HipError) throw error;
          throw new EvidenceRefusedError(path, `the router answers a malformed profile: ${reasonOf(error)}`);
        }
        const fingerprint = await this.#checkProfile(path, profile, client);
        return { profile, fingerprint, router: client.status.router };
      },
      { path },
    );
    const routers = [router ?? 'entry router'];
    const second = await this.#options.secondOpinion?.(path).catch(() => null);
    if (second && second.router !== routers[0]) {
      let other: ChainProfile;
      try {
        other = parseChainProfile(second.profile);
      } catch (error) {
        throw new EvidenceRefusedError(
          path,
          `router ${second.router} answers a malformed profile: ${reasonOf(error)}`,
        );
      }
      if (identityOf(other) !== identityOf(profile)) {
        throw new EvidenceRefusedError(
          path,
          `routers ${routers[0]} and ${second.router} disagree on the chain's trust anchor: import the operators' profile file`,
        );
      }
      routers.push(second.router);
    }
    const source: AnchorSource = { kind: 'routers', routers };
    const anchor: StoredAnchor = {
      chain: chainKeyOf(path),
      profile,
      source,
      fingerprint,
      takenAt: Date.now(),
    };
    await this.#options.anchors.put(anchor);
    return anchor;
  }

  /**
   * What can be checked of a profile by itself, returning its fingerprint. FISCO BCOS: block 0's
   * header hashes to `genesisHash`, and the header at `sealersAt` lists `sealers` and carries
   * a quorum of their seals. Fabric: the config block parses and names the channel.
   */
  async #checkProfile(
    path: string,
    profile: ChainProfile,
    client: LightClient = this.#options.client(),
  ): Promise<string> {
    if (profile.type === 'fabric') {
      let trust: ChannelTrust;
      let block: ReturnType<typeof decodeBlock>;
      try {
        block = decodeBlock(fromHex(profile.configBlock));
        trust = readChannelConfig(block);
      } catch (error) {
        throw new EvidenceRefusedError(path, `the profile's config block does not read: ${reasonOf(error)}`);
      }
      if (trust.channelId !== profile.channel) {
        throw new EvidenceRefusedError(
          path,
          `the config block is for channel ${trust.channelId}, not ${profile.channel}`,
        );
      }
      for (const [name, policy] of Object.entries(profile.chaincodes)) {
        const unknown = policy.orgs.filter((org) => !trust.applicationOrgs.includes(org));
        if (unknown.length > 0 || policy.outOf > policy.orgs.length) {
          throw new EvidenceRefusedError(
            path,
            `chaincode ${name}'s endorsement policy names ${unknown.join(', ') || 'too many organisations'}`,
          );
        }
      }
      return toHex(fabricHeaderHash(block.number, block.previousHash, block.dataHash));
    }
    const scheme = profile.crypto === 'sm' ? sm2Scheme : ecdsaScheme;
    const genesis = await client.request({ op: 'blockHeader', path, number: 0n });
    if (!genesis || toHex(blockHeaderHash(genesis, scheme)) !== profile.genesisHash.toLowerCase()) {
      throw new EvidenceRefusedError(path, "block 0 does not hash to the profile's genesis hash");
    }
    const header = await client.request({ op: 'blockHeader', path, number: BigInt(profile.sealersAt) });
    const listed = (header?.sealerList ?? []).map((s) => s.replace(/^0x/, '').toLowerCase());
    const sealers = profile.sealers.map((s) => s.replace(/^0x/, '').toLowerCase());
    if (!header || listed.join() !== sealers.join()) {
      throw new EvidenceRefusedError(path, `block ${profile.sealersAt} does not list the profile's sealers`);
    }
    // Block 0 carries no seals; any later block must be sealed by the set it names.
    if (profile.sealersAt > 0) {
      try {
        verifyBlockHeader(header, sealers, scheme);
      } catch (error) {
        throw new EvidenceRefusedError(path, reasonOf(error));
      }
    }
    return profile.genesisHash.toLowerCase();
  }
}

/** The part of a profile two honest routers must agree on (a FISCO anchor height may differ). */
function identityOf(profile: ChainProfile): string {
  if (profile.type === 'fabric')
    return `fabric|${profile.channel}|${digest(profile.configBlock)}|${JSON.stringify(profile.chaincodes)}`;
  return `fisco|${profile.chainId}|${profile.groupId}|${profile.crypto}|${profile.genesisHash.toLowerCase()}`;
}

function digest(hex: string): string {
  return bytesToHex(sha256(fromHex(hex)));
}

function policyOf(profile: FabricChainProfile, trust: ChannelTrust, chaincode: string) {
  const orgs = trust.applicationOrgs;
  // Fabric's default endorsement policy: a MAJORITY of the application organisations.
  return profile.chaincodes[chaincode] ?? { outOf: Math.floor(orgs.length / 2) + 1, orgs: [...orgs] };
}

function sealedBy(execution: VerifiedFiscoExecution): Verification {
  const { signers, sealers } = execution.sealedBy;
  return { by: `sealed by ${signers} of ${sealers} sealers (block ${execution.blockNumber})` };
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
