/** Builds the connector for each chain in a router config. */
import { readFileSync } from 'node:fs';
import type { InterfaceAbi } from 'ethers';
import type { ChainConnector } from '../chains/connector.ts';
import { FabricConnector } from '../chains/fabric/connector.ts';
import { loadIdentity } from '../chains/fabric/identity-files.ts';
import { FiscoBcosConnector } from '../chains/fisco-bcos/connector.ts';
import { assetArtifact, keyValueArtifact } from '../chains/fisco-bcos/contracts/index.ts';
import type { FabricChainConfig, FiscoChainConfig, RouterConfig } from './config.ts';
import { nodeHttpPost } from './http-post.ts';

const shippedAbis: Record<string, InterfaceAbi> = {
  Asset: assetArtifact.abi as InterfaceAbi,
  KeyValue: keyValueArtifact.abi as InterfaceAbi,
};

function fiscoConnector(zone: string, chain: FiscoChainConfig): ChainConnector {
  return new FiscoBcosConnector({
    url: chain.rpcUrl,
    chainId: chain.chainId,
    groupId: chain.groupId,
    zone,
    chainName: chain.name,
    post: nodeHttpPost(),
    resources: chain.resources.map((r) => ({
      name: r.name,
      address: r.address,
      abi: typeof r.abi === 'string' ? (shippedAbis[r.abi] as InterfaceAbi) : (r.abi as InterfaceAbi),
    })),
  });
}

function fabricConnector(zone: string, chain: FabricChainConfig): ChainConnector {
  const routerIdentity = loadIdentity({
    mspId: chain.identity.mspId,
    certificatePath: chain.identity.certificateFile,
    privateKeyPath: chain.identity.privateKeyFile,
  });
  return new FabricConnector({
    endpoint: chain.endpoint,
    ...(chain.tlsRootCertificateFile
      ? { tlsRootCertificate: readFileSync(chain.tlsRootCertificateFile, 'utf8') }
      : {}),
    ...(chain.tlsHostOverride ? { tlsHostOverride: chain.tlsHostOverride } : {}),
    channel: chain.channel,
    zone,
    chainName: chain.name,
    routerIdentity,
    resources: chain.resources.map((r) => ({
      name: r.name,
      chaincode: r.chaincode,
      ...(r.contract ? { contract: r.contract } : {}),
      ...(r.methods ? { methods: r.methods } : {}),
      ...(r.endorsement ? { endorsement: r.endorsement } : {}),
    })),
  });
}

export function connectorsFromConfig(config: RouterConfig): ChainConnector[] {
  return config.chains.map((chain) =>
    chain.type === 'fisco-bcos' ? fiscoConnector(config.zone, chain) : fabricConnector(config.zone, chain),
  );
}
