/**
 * Signed route adverts and the checks a router runs on them (docs/router-protocol.md#signed-adverts):
 * each test plays a lying member router and fails if the check it meets is removed.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { ResourceDescription } from '../../../p2p/chains/connector.ts';
import {
  ADVERT_SIGNATURE_DOMAIN,
  advertSigningBytes,
  canonicalJson,
  signResource,
  verifyAdvertSignature,
  verifyResourceEntry,
} from '../../../p2p/protocol/advert-signature.ts';
import type { RouteAdvert } from '../../../p2p/protocol/messages.ts';
import { AdvertGate } from '../../../p2p/router/advert-gate.ts';
import { Directory } from '../../../p2p/router/directory.ts';

const resource = (path: string, address = '0x01'): ResourceDescription => ({
  path,
  chain: { type: 'fisco-bcos', chainId: 1, groupId: 1 },
  address,
  methods: [{ name: 'transfer', kind: 'write', inputs: [{ name: 'to', type: 'address' }], outputs: [] }],
  abi: [{ type: 'function', name: 'transfer', inputs: [{ name: 'to', type: 'address' }] }],
});

interface Peer {
  key: PrivateKey;
  id: string;
}

async function peer(): Promise<Peer> {
  const key = await generateKeyPair('Ed25519');
  return { key, id: peerIdFromPrivateKey(key).toString() };
}

/** Where `origin` says a wallet can dial it. */
const addressesOf = (origin: Peer) => [
  `/ip4/127.0.0.1/tcp/4002/ws/p2p/${origin.id}`,
  `/dns4/router.example.org/tcp/443/wss/p2p/${origin.id}`,
];

/** `origin`'s own advert for `description`, as it sends it to a neighbour. */
async function originAdvert(
  origin: Peer,
  description: ResourceDescription,
  issued = 1000,
): Promise<RouteAdvert> {
  const addresses = addressesOf(origin);
  const signed = await signResource(origin.key, origin.id, description, issued, addresses);
  return { description, origin: origin.id, via: [origin.id], issued, signature: signed.signature, addresses };
}

describe('advert signature bytes', () => {
  test('are domain-separated, length-prefixed and independent of key order', () => {
    const d = resource('payment.bcos.asset');
    const bytes = advertSigningBytes('12D3KooWorigin', d, 7);
    const domain = new TextEncoder().encode(`${ADVERT_SIGNATURE_DOMAIN}\0`);
    assert.deepEqual(bytes.subarray(0, domain.length), domain);
    // First field: the origin, preceded by its length.
    assert.equal(new DataView(bytes.buffer).getUint32(domain.length), '12D3KooWorigin'.length);
    const reordered = { abi: d.abi, methods: d.methods, address: d.address, chain: d.chain, path: d.path };
    assert.deepEqual(advertSigningBytes('12D3KooWorigin', reordered, 7), bytes);
    assert.notDeepEqual(advertSigningBytes('12D3KooWorigin', d, 8), bytes);
    assert.notDeepEqual(advertSigningBytes('12D3KooWorigix', d, 7), bytes);
    assert.notDeepEqual(
      advertSigningBytes('12D3KooWorigin', { ...d, chain: { ...d.chain, chainId: 2 } } as never, 7),
      bytes,
    );
  });

  test('end with the addresses, newline-joined, as one more field; v2 of the domain', () => {
    const d = resource('payment.bcos.asset');
    const addresses = ['/ip4/127.0.0.1/tcp/1/ws/p2p/o', '/dns4/r.example/tcp/443/wss/p2p/o'];
    const bytes = advertSigningBytes('o', d, 7, addresses);
    assert.equal(ADVERT_SIGNATURE_DOMAIN, 'weft/route-advert/v2');
    const last = new TextEncoder().encode(addresses.join('\n'));
    assert.deepEqual(bytes.subarray(bytes.length - last.length), last);
    assert.equal(new DataView(bytes.buffer).getUint32(bytes.length - last.length - 4), last.length);
    // None is an empty last field; order and every address count.
    const none = advertSigningBytes('o', d, 7);
    assert.equal(new DataView(none.buffer).getUint32(none.length - 4), 0);
    assert.deepEqual(advertSigningBytes('o', d, 7, []), none);
    assert.notDeepEqual(advertSigningBytes('o', d, 7, [...addresses].reverse()), bytes);
    assert.notDeepEqual(advertSigningBytes('o', d, 7, addresses.slice(0, 1)), bytes);
    // A newline inside an address would make two lists sign alike: refused.
    assert.throws(() => advertSigningBytes('o', d, 7, [addresses.join('\n')]), /newline/);
    assert.throws(() => advertSigningBytes('o', d, 7, ['']), /empty/);
  });

  test('cover only what the wire schema keeps, so a receiver checks the bytes the origin signed', () => {
    const d = resource('payment.bcos.asset');
    const withExtra = { ...d, extra: 'not on the wire' } as ResourceDescription;
    assert.deepEqual(advertSigningBytes('o', withExtra, 1), advertSigningBytes('o', d, 1));
  });

  test('canonical JSON sorts keys at every depth and leaves undefined members out', () => {
    assert.equal(
      canonicalJson({ b: [{ y: 1, x: undefined, a: 'q' }], a: null }),
      '{"a":null,"b":[{"a":"q","y":1}]}',
    );
  });
});

describe('advert gate', () => {
  let owner: Peer; // fronts payment.*
  let liar: Peer; // a member router that tries to draw payment traffic to itself
  let honest: Peer; // a relay between the owner and the receiver
  let gate: AdvertGate;

  before(async () => {
    [owner, liar, honest] = await Promise.all([peer(), peer(), peer()]);
    gate = new AdvertGate({ payment: [owner.id], trade: [liar.id, honest.id] });
  });

  const reasons = async (neighbour: string, adverts: RouteAdvert[]) =>
    (await gate.admit(neighbour, adverts)).dropped.map((d) => d.reason);

  test("accepts the owner's advert directly and relayed unchanged", async () => {
    const advert = await originAdvert(owner, resource('payment.bcos.asset'));
    const direct = await gate.admit(owner.id, [advert]);
    assert.deepEqual(direct.dropped, []);
    assert.equal(direct.accepted.length, 1);
    const relayed = { ...advert, via: [owner.id, honest.id] };
    assert.equal((await gate.admit(honest.id, [relayed])).accepted.length, 1);
  });

  test('drops an advert for a zone the sender does not own, validly signed by it', async () => {
    const stolen = await originAdvert(liar, resource('payment.bcos.asset', '0xbad'));
    assert.deepEqual(await reasons(liar.id, [stolen]), ['zone-not-bound']);
    // A zone nobody is bound to, once a binding exists, is nobody's to publish.
    const unbound = await originAdvert(liar, resource('evil.bcos.asset'));
    assert.deepEqual(await reasons(liar.id, [unbound]), ['zone-not-bound']);
    // Its own zone it may publish.
    const own = await originAdvert(liar, resource('trade.bcos.asset'));
    assert.deepEqual(await reasons(liar.id, [own]), []);
  });

  test('without a binding, any signed advert of a member is accepted, as before', async () => {
    const open = new AdvertGate();
    const advert = await originAdvert(liar, resource('payment.bcos.asset'));
    assert.equal((await open.admit(liar.id, [advert])).accepted.length, 1);
  });

  test("drops an advert forged in the owner's name (signed with the liar's key)", async () => {
    const d = resource('payment.bcos.asset', '0xbad');
    const forged = await signResource(liar.key, owner.id, d, 2000);
    const advert: RouteAdvert = {
      description: d,
      origin: owner.id,
      via: [owner.id, liar.id],
      issued: 2000,
      signature: forged.signature,
    };
    assert.deepEqual(await reasons(liar.id, [advert]), ['bad-signature']);
  });

  test("drops a relayed advert whose description was altered under the owner's signature", async () => {
    const genuine = await originAdvert(owner, resource('payment.bcos.asset'));
    const altered: ResourceDescription[] = [
      resource('payment.bcos.asset', '0xbad'),
      { ...resource('payment.bcos.asset'), chain: { type: 'fisco-bcos', chainId: 1, groupId: 2 } },
      { ...resource('payment.bcos.asset'), abi: [] },
      { ...resource('payment.bcos.asset'), methods: [] },
      resource('payment.bcos.other'),
    ];
    for (const description of altered) {
      const relayed = { ...genuine, description, via: [owner.id, liar.id] };
      assert.deepEqual(await reasons(liar.id, [relayed]), ['bad-signature'], description.address);
    }
    // Nor may it re-date the owner's signature.
    assert.deepEqual(await reasons(liar.id, [{ ...genuine, issued: 9999, via: [owner.id, liar.id] }]), [
      'bad-signature',
    ]);
  });

  test('drops a relayed advert whose addresses were changed, added to, cut or reordered under the signature', async () => {
    const genuine = await originAdvert(owner, resource('payment.bcos.asset'));
    const mine = `/dns4/liar.example/tcp/443/wss/p2p/${liar.id}`;
    const own = genuine.addresses as string[];
    for (const addresses of [[mine], [...own, mine], own.slice(1), [...own].reverse(), undefined]) {
      const relayed = { ...genuine, via: [owner.id, liar.id], addresses };
      assert.deepEqual(await reasons(liar.id, [relayed]), ['bad-signature'], String(addresses));
    }
    assert.deepEqual(
      await reasons(liar.id, [{ ...genuine, via: [owner.id, liar.id] }]),
      [],
      'unchanged: kept',
    );
  });

  test("drops the owner's genuine advert when the path does not start at the owner", async () => {
    const genuine = await originAdvert(owner, resource('payment.bcos.asset'));
    // The liar claims to front it itself (one hop, so the best route) while naming the owner.
    assert.deepEqual(await reasons(liar.id, [{ ...genuine, via: [liar.id] }]), ['origin-not-first']);
    assert.deepEqual(await reasons(liar.id, [{ ...genuine, via: [honest.id, owner.id, liar.id] }]), [
      'origin-not-first',
    ]);
  });

  test('drops an advert whose path does not end with the sender', async () => {
    const genuine = await originAdvert(owner, resource('payment.bcos.asset'));
    assert.deepEqual(await reasons(liar.id, [{ ...genuine, via: [owner.id, honest.id] }]), [
      'sender-not-last',
    ]);
  });

  test('drops garbage signatures and origins without an inline key, keeps the rest of the update', async () => {
    const genuine = await originAdvert(owner, resource('payment.bcos.other'));
    const bad: RouteAdvert[] = [
      { ...genuine, signature: '00' },
      { ...genuine, signature: 'zz' },
      {
        ...genuine,
        origin: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N',
        via: ['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'],
      },
    ];
    const open = new AdvertGate();
    for (const advert of bad) {
      const sender = advert.via[0] as string;
      const { dropped, accepted } = await open.admit(sender, [
        advert,
        { ...genuine, via: [owner.id, sender] },
      ]);
      assert.deepEqual(
        dropped.map((d) => d.reason),
        ['bad-signature'],
      );
      assert.equal(accepted.length, 1);
    }
  });
});

describe('signed adverts through directories', () => {
  test("a relay passes the origin's signature on unchanged; the next router accepts it and a wallet can check it", async () => {
    const [a, b] = await Promise.all([peer(), peer()]);
    const c = 'C';
    const gate = new AdvertGate({ payment: [a.id] });
    const da = new Directory(a.id);
    const db = new Directory(b.id);
    const dc = new Directory(c);
    da.setLocal([await signResource(a.key, a.id, resource('payment.bcos.asset'), 5, addressesOf(a))]);
    const toB = await gate.admit(a.id, da.advertsFor(b.id));
    db.applyAdverts(a.id, toB.accepted);
    const toC = await gate.admit(b.id, db.advertsFor(c));
    assert.deepEqual(toC.dropped, []);
    dc.applyAdverts(b.id, toC.accepted);
    const entry = dc.route('payment.bcos.asset')?.entry;
    assert.equal(entry?.router, a.id);
    assert.equal(entry?.hops, 2);
    assert.ok(entry && (await verifyResourceEntry(entry)), 'the entry a wallet receives verifies');
    assert.ok(
      entry && !(await verifyResourceEntry({ ...entry, address: '0xbad' })),
      'an altered one does not',
    );
    assert.ok(
      entry && !(await verifyResourceEntry({ ...entry, signature: undefined })),
      'nor an unsigned one',
    );
    // The origin's addresses reach the wallet as it signed them, and no relay can swap them.
    assert.deepEqual(entry?.addresses, addressesOf(a));
    assert.ok(
      entry && !(await verifyResourceEntry({ ...entry, addresses: [`/dns4/x/tcp/443/wss/p2p/${b.id}`] })),
      'nor one with other addresses',
    );
    // The local entry (0 hops) verifies too, although the description went through no schema.
    const own = da.route('payment.bcos.asset')?.entry;
    assert.ok(
      own &&
        (await verifyAdvertSignature(a.id, own, {
          issued: 5,
          signature: own.signature as string,
          addresses: addressesOf(a),
        })),
    );
  });

  test('of two adverts from one origin for one path, only the newer is used, whichever arrives first', async () => {
    const origin = await peer();
    const older = await originAdvert(origin, resource('payment.bcos.asset', '0x0ld'), 1000);
    const newer = await originAdvert(origin, resource('payment.bcos.asset', '0x2e3'), 2000);
    for (const order of ['old-first', 'new-first']) {
      const drops: string[] = [];
      const d = new Directory('D', 64, { onDrop: (reason) => drops.push(reason) });
      // The replayer ('B') is one hop nearer and wins ties, so only the issued check keeps it out.
      const replay = () => d.applyAdverts('B', [{ ...older, via: [origin.id, 'B'] }]);
      const fresh = () => d.applyAdverts('C', [{ ...newer, via: [origin.id, 'X', 'C'] }]);
      if (order === 'old-first') {
        replay();
        fresh();
      } else {
        fresh();
        replay();
        assert.deepEqual(drops, ['stale']);
      }
      const route = d.route('payment.bcos.asset');
      assert.equal(route?.kind === 'remote' && route.nextHop, 'C', order);
      assert.equal(route?.entry.address, '0x2e3', order);
    }
  });

  test('the directory itself refuses a path not starting at the origin', () => {
    const drops: string[] = [];
    const d = new Directory('D', 64, { onDrop: (reason) => drops.push(reason) });
    const advert: RouteAdvert = {
      description: resource('payment.bcos.asset'),
      origin: 'A',
      via: ['M'],
      issued: 1,
      signature: 'ab',
    };
    assert.equal(d.applyAdverts('M', [advert]), false);
    assert.equal(d.route('payment.bcos.asset'), undefined);
    assert.deepEqual(drops, ['origin-not-first']);
  });
});
