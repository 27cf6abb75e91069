/**
 * The balance service's reads and holders, from the wallet's parts: the same paths weft_call
 * uses (background/provider/methods/call.ts): the light client's `call` through the routers, and
 * on Fabric a proposal signed by the identity whose endorsements the trust module checks.
 */
import { parseCertificate } from '../../p2p/chains/fabric/x509.ts';
import type { WalletServices } from '../services.ts';
import type { BalanceHolders, BalanceReads } from './balance-service.ts';

const utf8 = new TextDecoder();

export function walletBalanceReads(
  services: Pick<WalletServices, 'routers' | 'trust' | 'vault'>,
): BalanceReads {
  const { routers, trust, vault } = services;
  return {
    link() {
      const status = routers.status();
      let id: object | null;
      try {
        id = routers.client();
      } catch {
        id = null;
      }
      return {
        id,
        connected: id !== null && status.state === 'connected',
        ...(status.lastError ? { error: status.lastError } : {}),
      };
    },
    resources: () => routers.resources(),
    describe: (path) => routers.describe(path),
    async call(path, method, args, from) {
      const result = await routers.client().call({ path, method, args, ...(from ? { from } : {}) });
      return { values: result.values, raw: result.raw };
    },
    async endorsedRead(path, identityId, chaincode, fn, args) {
      const signer = vault.fabricSigningIdentity(identityId);
      try {
        const { read, verification } = await trust.fabricRead(path, signer, { chaincode, fn, args });
        return { text: utf8.decode(read.payload), by: verification.by };
      } finally {
        signer.privateKey.fill(0);
      }
    },
    subscribe: (path, onEvent) => routers.client().subscribe(path, () => onEvent()),
  };
}

export function walletBalanceHolders(services: Pick<WalletServices, 'vault' | 'sessions'>): BalanceHolders {
  const { vault, sessions } = services;
  return {
    accounts: () => vault.accounts(),
    fabricIdentities: () => vault.fabricIdentities(),
    sessions: () => sessions.list(),
    canSign: () => vault.isUnlocked(),
    fabricAccountNames: fabricAccountNames,
  };
}

/**
 * The Fabric accounts an identity may hold: the chaincode keeps no list per owner, so the names a
 * Fabric CA user goes by (the identity's name in the wallet, its certificate's common name); the
 * service keeps those the chaincode says it owns.
 */
export function fabricAccountNames(identity: { name: string; certificate: string }): string[] {
  const names = [identity.name];
  try {
    const { commonName } = parseCertificate(identity.certificate);
    if (commonName) names.push(commonName);
  } catch {
    // A certificate the vault accepted always parses; its name alone is still worth a look.
  }
  return [...new Set(names)];
}
