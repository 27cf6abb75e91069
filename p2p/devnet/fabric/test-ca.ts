/**
 * The devpeer's test certificate authority: a P-256 root that issues user, router
 * and peer identities (X.509, P-256) into MSP folders, the layout Fabric tools use:
 *
 *   <dir>/ca/ca-cert.pem, ca-key.pem
 *   <dir>/<name>/msp/signcerts/cert.pem, keystore/key.pem, cacerts/ca-cert.pem
 *
 * The root is kept across restarts so identities issued earlier stay valid.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { FabricSigningIdentity } from '../../chains/fabric/identity.ts';
import { loadIdentityFromMspDir } from '../../chains/fabric/identity-files.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The NodeOUs: each identity's role is the OU of its certificate's subject. */
export type IdentityRole = 'client' | 'peer' | 'admin' | 'orderer';

const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join('\n')}\n-----END ${label}-----\n`;
}

export interface IssuedIdentity extends FabricSigningIdentity {
  name: string;
  mspDir: string;
}

export class TestCa {
  readonly dir: string;
  readonly mspId: string;
  readonly certificate: string;
  readonly #cert: x509.X509Certificate;
  readonly #key: CryptoKey;

  private constructor(dir: string, mspId: string, certificate: string, key: CryptoKey) {
    this.dir = dir;
    this.mspId = mspId;
    this.certificate = certificate;
    this.#cert = new x509.X509Certificate(certificate);
    this.#key = key;
  }

  /** Opens the CA in `dir`, creating its root on first use. */
  static async open(dir: string, mspId: string, organisation = 'org1.example.com'): Promise<TestCa> {
    const caDir = join(dir, 'ca');
    const certPath = join(caDir, 'ca-cert.pem');
    const keyPath = join(caDir, 'ca-key.pem');
    if (existsSync(certPath) && existsSync(keyPath)) {
      const keyDer = Buffer.from(
        readFileSync(keyPath, 'utf8')
          .replace(/-----[^-]+-----/g, '')
          .replace(/\s+/g, ''),
        'base64',
      );
      const key = await webcrypto.subtle.importKey('pkcs8', keyDer, algorithm, true, ['sign']);
      return new TestCa(dir, mspId, readFileSync(certPath, 'utf8'), key as CryptoKey);
    }
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=ca.${organisation}, O=${organisation}, L=San Francisco, ST=California, C=US`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * 365 * 86_400_000),
      signingAlgorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    mkdirSync(caDir, { recursive: true });
    // Kept exactly as on disk, so a reopened CA compares equal.
    const certificate = `${cert.toString('pem')}\n`;
    writeFileSync(certPath, certificate);
    writeFileSync(keyPath, toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), {
      mode: 0o600,
    });
    return new TestCa(dir, mspId, certificate, keys.privateKey);
  }

  mspDir(name: string): string {
    return join(this.dir, name, 'msp');
  }

  /** Issues `name` (or loads it if issued before) with the NodeOU of its role. */
  async issue(name: string, role: IdentityRole = 'client'): Promise<IssuedIdentity> {
    const mspDir = this.mspDir(name);
    if (existsSync(join(mspDir, 'signcerts', 'cert.pem'))) {
      return { ...loadIdentityFromMspDir(mspDir, this.mspId), name, mspDir };
    }
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${name}, OU=${role}, O=${this.#cert.subjectName.getField('O')[0] ?? 'org1'}`,
      issuer: this.#cert.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 5 * 365 * 86_400_000),
      signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.#cert, false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    for (const sub of ['signcerts', 'keystore', 'cacerts']) mkdirSync(join(mspDir, sub), { recursive: true });
    writeFileSync(join(mspDir, 'signcerts', 'cert.pem'), `${cert.toString('pem')}\n`);
    writeFileSync(
      join(mspDir, 'keystore', 'key.pem'),
      toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
      { mode: 0o600 },
    );
    writeFileSync(join(mspDir, 'cacerts', 'ca-cert.pem'), this.certificate);
    return { ...loadIdentityFromMspDir(mspDir, this.mspId), name, mspDir };
  }

  /**
   * Issues (or loads) a TLS server certificate for `hosts` (DNS names or IP addresses)
   * into <dir>/<name>/tls/server.crt, server.key, ca.crt, as Fabric's TLS folders.
   */
  async issueTls(
    name: string,
    hosts: string[],
  ): Promise<{ certificate: string; privateKey: string; ca: string }> {
    const tlsDir = join(this.dir, name, 'tls');
    const certPath = join(tlsDir, 'server.crt');
    const keyPath = join(tlsDir, 'server.key');
    if (existsSync(certPath) && existsSync(keyPath)) {
      return {
        certificate: readFileSync(certPath, 'utf8'),
        privateKey: readFileSync(keyPath, 'utf8'),
        ca: this.certificate,
      };
    }
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const isIp = (host: string) => /^[0-9.]+$/.test(host) || host.includes(':');
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${hosts[0] ?? name}, O=${this.#cert.subjectName.getField('O')[0] ?? 'org1'}`,
      issuer: this.#cert.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 5 * 365 * 86_400_000),
      signingAlgorithm,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((host) => ({ type: isIp(host) ? 'ip' : 'dns', value: host }) as x509.JsonGeneralName),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(this.#cert, false),
      ],
    });
    mkdirSync(tlsDir, { recursive: true });
    const certificate = `${cert.toString('pem')}\n`;
    const privateKey = toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    writeFileSync(certPath, certificate);
    writeFileSync(keyPath, privateKey, { mode: 0o600 });
    writeFileSync(join(tlsDir, 'ca.crt'), this.certificate);
    return { certificate, privateKey, ca: this.certificate };
  }

  /** True when `certificatePem` was signed by this CA and is within its validity period. */
  issued(certificatePem: string): boolean {
    try {
      const cert = new X509Certificate(certificatePem);
      const now = Date.now();
      if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return false;
      return cert.verify(new X509Certificate(this.certificate).publicKey);
    } catch {
      return false;
    }
  }
}
