/**
 * Router configuration: one JSON file, validated on load. Every error names the
 * key that is wrong (`chains[1].resources[0].address: must be a 20-byte hex address`).
 * Relative paths in the file are resolved against the file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_HOP_LIMIT, DEFAULT_MAX_MESSAGE_BYTES } from '../protocol/ids.ts';

const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');
const multiaddr = z
  .string()
  .regex(/^\/(ip4|ip6|dns|dns4|dns6)\//, 'must be a multiaddr such as /ip4/127.0.0.1/tcp/4001');
/** A WebSocket multiaddr a wallet can dial, optionally ending with this router's /p2p/<peer id>. */
const webSocketAddress = z
  .string()
  .regex(
    /^\/(ip4|ip6|dns|dns4|dns6)\/[^/\s]+\/tcp\/\d{1,5}\/(ws|wss|tls\/ws)(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/,
    'must be a WebSocket multiaddr such as /dns4/router.example.org/tcp/443/wss',
  );
const peerId = z.string().regex(/^(12D3Koo|Qm)[1-9A-HJ-NP-Za-km-z]{20,60}$/, 'must be a libp2p peer id');

const fiscoResource = z.strictObject({
  name,
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte hex address'),
  /** A JSON ABI, or the name of a contract shipped with Weft (`Asset`, `KeyValue`). */
  abi: z.union([z.array(z.unknown()), z.enum(['Asset', 'KeyValue'])]),
});

const fiscoChain = z.strictObject({
  type: z.literal('fisco-bcos'),
  name,
  rpcUrl: z.url({ protocol: /^https?$/ }),
  chainId: z.number().int().nonnegative(),
  groupId: z.number().int().positive(),
  resources: z.array(fiscoResource),
});

const fabricResource = z.strictObject({
  name,
  chaincode: z.string().min(1),
  contract: z.string().min(1).optional(),
  methods: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        kind: z.enum(['read', 'write']),
        inputs: z.array(z.strictObject({ name: z.string(), type: z.string() })).default([]),
        outputs: z.array(z.strictObject({ name: z.string(), type: z.string() })).default([]),
      }),
    )
    .optional(),
  /**
   * The chaincode definition's endorsement policy (peers of `outOf` of `orgs`), when it is not
   * Fabric's default (a majority of the channel's organisations): `profile` publishes it.
   */
  endorsement: z
    .strictObject({
      outOf: z.number().int().min(1),
      orgs: z.array(z.string().min(1)).min(1),
    })
    .refine((e) => e.outOf <= e.orgs.length, 'outOf must not exceed the number of orgs')
    .optional(),
});

const fabricChain = z.strictObject({
  type: z.literal('fabric'),
  name,
  /** Gateway endpoint of the peer, `host:port`. */
  endpoint: z.string().regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port'),
  channel: z.string().min(1),
  /** PEM root certificate for TLS; plain gRPC without it (loopback devnets only). */
  tlsRootCertificateFile: z.string().optional(),
  tlsHostOverride: z.string().optional(),
  /** The router's own Fabric identity (reads, commit status, events): never a user's. */
  identity: z.strictObject({
    mspId: z.string().min(1),
    certificateFile: z.string(),
    privateKeyFile: z.string(),
  }),
  resources: z.array(fabricResource),
});

export const routerConfigSchema = z.strictObject({
  /** Zone this router belongs to: the first part of the paths it publishes. */
  zone: name,
  /** Where the peer key and other state live. */
  dataDir: z.string().min(1),
  listen: z.array(multiaddr).min(1),
  /**
   * Where wallets can dial this router, put in its signed adverts (`addresses` of its resources,
   * docs/router-protocol.md#signed-adverts) so a wallet can fail over to the router fronting a zone.
   * Default: its WebSocket listen addresses. Only adverts use it (libp2p announces what it listens on).
   */
  announce: z.array(webSocketAddress).max(16).optional(),
  /** Routers to dial at start (full multiaddrs with /p2p/<peer id>). */
  bootstrap: z.array(multiaddr).default([]),
  /** Peer ids of the routers this one accepts on the router protocols. */
  members: z.array(peerId).default([]),
  /**
   * Zone -> peer ids of the routers allowed to publish its paths (docs/router-protocol.md#zone-binding).
   * When any zone is listed, adverts for a zone not listed, or from a router not listed for it, are
   * dropped; when none is, any member may publish any zone (signatures are checked either way).
   */
  zones: z.record(name, z.array(peerId).min(1)).default({}),
  chains: z.array(z.discriminatedUnion('type', [fiscoChain, fabricChain])).default([]),
  limits: z
    .strictObject({
      maxMessageBytes: z.number().int().min(1024).default(DEFAULT_MAX_MESSAGE_BYTES),
      hopLimit: z.number().int().min(1).max(64).default(DEFAULT_HOP_LIMIT),
      /** Client-protocol streams a light client may hold open, over all its connections. */
      maxClientStreams: z.number().int().min(1).default(4),
      /**
       * How long a peer may stall a stream (slow loris): a frame it has begun must arrive whole, and
       * answers it holds up by not reading must drain, within this, or the stream is closed.
       */
      idleStreamMs: z.number().int().min(50).max(600_000).default(30_000),
      /** Per light client, sustained; bursts up to twice this. */
      clientRequestsPerSecond: z.number().positive().default(200),
      /**
       * `ttmReveal`s per light client, sustained; bursts up to twice this. A client's reveal is
       * only flooded when this router knows its hash lock (docs/router-protocol.md#limits).
       */
      clientRevealsPerSecond: z.number().positive().default(5),
      /**
       * The longest a request may make this router wait, whatever its `timeoutMs` (the frame's, or
       * a `submit`'s receipt wait) asks: longer ones are capped to this, not refused.
       */
      maxTimeoutMs: z.number().int().min(100).max(600_000).default(120_000),
      /** Light-client connections in all; member routers are not counted and never refused. */
      maxClientConnections: z.number().int().min(1).default(1000),
      /** Light-client connections from one IP address (wallets behind one NAT share it). */
      maxConnectionsPerIp: z.number().int().min(1).default(256),
      /** Connections one light client (peer id) may hold at once. */
      maxConnectionsPerPeer: z.number().int().min(1).default(4),
      /**
       * Inbound handshakes still running from one IP address, whoever connects (the peer is known only
       * once the handshake ends): one address cannot hold every pending slot.
       */
      maxHandshakesPerIp: z.number().int().min(1).default(32),
      /** New inbound connections accepted per second from one IP (wallets behind one NAT share it). */
      inboundConnectionsPerSecondPerHost: z.number().int().min(1).default(50),
    })
    .prefault({}),
  /** HTTP endpoint for /metrics (Prometheus) and /status, /peers, /resources (JSON). Loopback by default. */
  admin: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(0),
    })
    .nullable()
    .prefault({}),
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;
export type RouterConfigInput = z.input<typeof routerConfigSchema>;
export type FiscoChainConfig = z.infer<typeof fiscoChain>;
export type FabricChainConfig = z.infer<typeof fabricChain>;

export class RouterConfigError extends Error {
  override name = 'RouterConfigError';
  readonly issues: string[];

  constructor(source: string, issues: string[]) {
    super(`invalid router config ${source}:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

/** Validates a parsed config object. `baseDir` resolves relative file paths. */
export function parseRouterConfig(
  input: unknown,
  baseDir = process.cwd(),
  source = '(inline)',
): RouterConfig {
  const result = routerConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new RouterConfigError(source, issues);
  }
  const config = result.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.dataDir = abs(config.dataDir);
  for (const chain of config.chains) {
    if (chain.type !== 'fabric') continue;
    chain.identity.certificateFile = abs(chain.identity.certificateFile);
    chain.identity.privateKeyFile = abs(chain.identity.privateKeyFile);
    if (chain.tlsRootCertificateFile) chain.tlsRootCertificateFile = abs(chain.tlsRootCertificateFile);
  }
  const names = config.chains.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new RouterConfigError(source, [`chains: two chains are named ${duplicate}`]);
  return config;
}

export function loadRouterConfig(file: string): RouterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RouterConfigError(file, [`cannot read: ${(error as Error).message}`]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new RouterConfigError(file, [`not JSON: ${(error as Error).message}`]);
  }
  return parseRouterConfig(input, dirname(resolve(file)), file);
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
