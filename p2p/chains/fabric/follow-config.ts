/**
 * Follows a Fabric channel's config change: a config block is taken as the new trust only when
 * the trust the wallet holds vouches for it: a newer block, signed by orderers satisfying the
 * OLD BlockValidation, whose CONFIG envelope an orderer of the old config signed, naming itself
 * as the last config, for the same channel with a higher config sequence. What the orderer
 * checked before ordering the update (its signatures against the old mod policies) is taken
 * on the orderers' word, as peers' delivery does; this is the orderers' signature over it.
 */
import type { FabricBlock } from './block-file.ts';
import { verifyBlock } from './block-verifier.ts';
import { type ChannelTrust, CONFIG, readChannelConfig } from './channel-config.ts';
import { FabricEvidenceError } from './evidence-errors.ts';
import { withWebCryptoSignatures } from './signatures-batch.ts';
import { FabricConfigFollowError } from './verification-errors.ts';

function refuse(reason: string, message: string): never {
  throw new FabricConfigFollowError(reason, message);
}

export function followConfig(trust: ChannelTrust, configBlock: FabricBlock): ChannelTrust {
  if (configBlock.number <= trust.configBlockNumber)
    refuse(
      'not-newer',
      `block ${configBlock.number} is not after the trusted config block ${trust.configBlockNumber}`,
    );
  const verdict = verifyBlock(configBlock, trust);
  const tx = verdict.transactions[0];
  if (configBlock.data.length !== 1 || tx?.type !== CONFIG)
    refuse('not-config', `block ${configBlock.number} is not a config block`);
  if (!verdict.valid) refuse('block', `config block ${configBlock.number}: ${verdict.problems.join('; ')}`);
  if (!tx.valid) refuse('transaction', `config block ${configBlock.number}: ${tx.problems.join('; ')}`);
  let next: ChannelTrust;
  try {
    next = readChannelConfig(configBlock);
  } catch (cause) {
    if (cause instanceof FabricEvidenceError)
      refuse('config', `config block ${configBlock.number}: ${cause.message}`);
    throw cause;
  }
  if (next.channelId !== trust.channelId)
    refuse('channel', `the config block is for channel ${next.channelId}, not ${trust.channelId}`);
  if (next.sequence <= trust.sequence)
    refuse('sequence', `config sequence ${next.sequence} is not after the trusted ${trust.sequence}`);
  return next;
}

export function followConfigAsync(trust: ChannelTrust, configBlock: FabricBlock): Promise<ChannelTrust> {
  return withWebCryptoSignatures(() => followConfig(trust, configBlock));
}
