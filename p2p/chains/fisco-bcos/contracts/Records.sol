// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// Per-owner records (named string fields) that only their owner reads directly, and that a
/// grantee reads through a data-access grant (docs/grants.md): EIP-712 typed data signed by the
/// owner, proven fresh on every read by the grantee's audience key, and revocable here.
/// The wallet stores sealed values only; each record carries one key blob per grant (the covered
/// fields' keys wrapped to that grant's audience), opaque to this contract.
/// Digests match p2p/grants/typed-data.ts byte for byte (domain {name: "Weft Grant", version: "1"}).
contract Records {
    struct Grant {
        address issuer;
        string audienceOrigin;
        address audienceKey;
        string resource;
        string[] records;
        string[] fields;
        string[] actions;
        uint64 notBefore;
        uint64 expiry;
        bytes32 nonce;
    }

    struct GrantedRead {
        bytes32 grant;
        string record;
        bytes32 nonce;
        uint64 issuedAt;
    }

    struct Record {
        bool exists;
        string[] fields;
        string[] values;
        /// keys[i] is the key blob for grant id keyGrants[i].
        bytes32[] keyGrants;
        string[] keys;
    }

    bytes32 private constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version)");
    bytes32 private constant GRANT_TYPEHASH = keccak256(
        "Grant(address issuer,string audienceOrigin,address audienceKey,string resource,string[] records,string[] fields,string[] actions,uint64 notBefore,uint64 expiry,bytes32 nonce)"
    );
    bytes32 private constant READ_TYPEHASH =
        keccak256("GrantedRead(bytes32 grant,string record,bytes32 nonce,uint64 issuedAt)");
    bytes32 private constant READ_ACTION = keccak256("read");
    /// secp256k1n / 2: a larger s is the malleable twin of a valid signature, refused as ethers refuses it.
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// READ_FRESHNESS_SECONDS of typed-data.ts.
    uint256 private constant READ_FRESHNESS_SECONDS = 60;
    /// A block time above this is in milliseconds (a real FISCO BCOS 2.x node); seconds stay below it until year 33658.
    uint256 private constant MILLISECONDS_FROM = 1e12;

    bytes32 private immutable domainSeparator;
    bytes32 private immutable pathHash;
    string private path;

    mapping(address => mapping(string => Record)) private records;
    mapping(address => string[]) private ids;
    /// 1-based position of an id in ids[owner], 0 when absent: O(1) removal.
    mapping(address => mapping(string => uint256)) private positions;
    mapping(address => mapping(bytes32 => bool)) private revoked;

    event RecordPut(address indexed owner, string id);
    event RecordRemoved(address indexed owner, string id);
    event KeysShared(address indexed owner, string id, bytes32 indexed grantId);
    event GrantRevoked(address indexed issuer, bytes32 indexed grantId);

    /// `resourcePath_` is the `zone.chain.resource` path the network publishes this contract under;
    /// a grant names it, so a grant for another resource is refused here.
    constructor(string memory resourcePath_) {
        path = resourcePath_;
        pathHash = keccak256(bytes(resourcePath_));
        domainSeparator = keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Weft Grant"), keccak256("1")));
    }

    function resourcePath() external view returns (string memory) {
        return path;
    }

    /// Creates or replaces the sender's record `id`: its values and all its key blobs (a write
    /// rotates every field's key, so blobs of the old keys would open nothing new).
    /// Should a grant id repeat, its first blob is the one read.
    function put(
        string calldata id,
        string[] calldata fields,
        string[] calldata values,
        bytes32[] calldata keyGrants,
        string[] calldata keys
    ) external {
        require(bytes(id).length > 0, "Records: empty id");
        require(fields.length == values.length, "Records: fields and values differ in length");
        require(keyGrants.length == keys.length, "Records: key grants and keys differ in length");
        Record storage record = records[msg.sender][id];
        if (!record.exists) {
            record.exists = true;
            ids[msg.sender].push(id);
            positions[msg.sender][id] = ids[msg.sender].length;
        }
        // Helpers keep each frame's stack shallow: five calldata arrays take ten slots here.
        storeValues(record, fields, values);
        storeKeys(record, keyGrants, keys);
        emit RecordPut(msg.sender, id);
    }

    function storeValues(Record storage record, string[] calldata fields, string[] calldata values) private {
        delete record.fields;
        delete record.values;
        for (uint256 i = 0; i < fields.length; i++) {
            record.fields.push(fields[i]);
            record.values.push(values[i]);
        }
    }

    function storeKeys(Record storage record, bytes32[] calldata keyGrants, string[] calldata keys) private {
        delete record.keyGrants;
        delete record.keys;
        for (uint256 i = 0; i < keyGrants.length; i++) {
            record.keyGrants.push(keyGrants[i]);
            record.keys.push(keys[i]);
        }
    }

    /// Sets the key blob of grant `grantId` on the sender's existing record `id` (a grant made
    /// after the record was written), replacing the blob it had.
    function shareKeys(string calldata id, bytes32 grantId, string calldata key) external {
        Record storage record = records[msg.sender][id];
        require(record.exists, "Records: no such record");
        uint256 n = record.keyGrants.length;
        uint256 i = 0;
        while (i < n && record.keyGrants[i] != grantId) i++;
        if (i < n) {
            record.keys[i] = key;
        } else {
            record.keyGrants.push(grantId);
            record.keys.push(key);
        }
        emit KeysShared(msg.sender, id, grantId);
    }

    /// The sender's own record (a call must carry `from`).
    function get(string calldata id) external view returns (string[] memory fields, string[] memory values) {
        Record storage record = records[msg.sender][id];
        require(record.exists, "Records: no such record");
        return (record.fields, record.values);
    }

    function list() external view returns (string[] memory) {
        return ids[msg.sender];
    }

    function remove(string calldata id) external {
        require(records[msg.sender][id].exists, "Records: no such record");
        string[] storage owned = ids[msg.sender];
        uint256 index = positions[msg.sender][id] - 1;
        uint256 last = owned.length - 1;
        if (index != last) {
            owned[index] = owned[last];
            positions[msg.sender][owned[index]] = index + 1;
        }
        owned.pop();
        delete positions[msg.sender][id];
        delete records[msg.sender][id];
        emit RecordRemoved(msg.sender, id);
    }

    /// Revokes a grant the sender issued; only the sender's own grants, so anyone may call it
    /// without touching anyone else's. Idempotent: GrantRevoked is emitted the first time only.
    function revoke(bytes32 grantId) external {
        if (revoked[msg.sender][grantId]) return;
        revoked[msg.sender][grantId] = true;
        emit GrantRevoked(msg.sender, grantId);
    }

    function isRevoked(address issuer, bytes32 grantId) external view returns (bool) {
        return revoked[issuer][grantId];
    }

    /// The grant's EIP-712 digest: what the issuer signs and what identifies the grant.
    function grantIdOf(Grant calldata g) public view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, hashGrant(g)));
    }

    /// The read's EIP-712 digest: what the audience key signs for one read.
    function readDigestOf(GrantedRead calldata r) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(READ_TYPEHASH, r.grant, keccak256(bytes(r.record)), r.nonce, r.issuedAt)
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    /// Reads the issuer's record `r.record` under grant `g`; only the fields the grant covers come
    /// back, with the key blob stored for this grant ("" when none).
    function readWithGrant(
        Grant calldata g,
        bytes calldata grantSignature,
        GrantedRead calldata r,
        bytes calldata readSignature
    ) external view returns (string[] memory fields, string[] memory values, string memory key) {
        bytes32 id = checkGrant(g, grantSignature, r, readSignature);
        Record storage record = records[g.issuer][r.record];
        require(record.exists, "Records: no such record");
        (fields, values) = coveredFields(record, g.fields);
        key = keyOf(record, id);
    }

    /// The record's key blob for grant `id`, or "" when it has none.
    function keyOf(Record storage record, bytes32 id) private view returns (string memory) {
        uint256 n = record.keyGrants.length;
        for (uint256 i = 0; i < n; i++) {
            if (record.keyGrants[i] == id) return record.keys[i];
        }
        return "";
    }

    /// Every check of docs/grants.md, in the order its reasons are documented; answers the grant's id.
    function checkGrant(
        Grant calldata g,
        bytes calldata grantSignature,
        GrantedRead calldata r,
        bytes calldata readSignature
    ) private view returns (bytes32 id) {
        require(
            g.records.length > 0 && grantSignature.length == 65 && readSignature.length == 65,
            "Grant: malformed"
        );
        id = grantIdOf(g);
        address issuer = recover(id, grantSignature);
        require(issuer != address(0) && issuer == g.issuer, "Grant: bad signature");
        require(keccak256(bytes(g.resource)) == pathHash, "Grant: wrong resource");
        require(contains(g.actions, READ_ACTION) && contains(g.records, keccak256(bytes(r.record))), "Grant: not covered");
        uint256 time = nowSeconds();
        require(time >= g.notBefore, "Grant: not yet valid");
        require(time < g.expiry, "Grant: expired");
        address reader = recover(readDigestOf(r), readSignature);
        require(r.grant == id && reader != address(0) && reader == g.audienceKey, "Grant: wrong audience");
        // Only too old, not too new: on a real node a call runs at the latest block's time, which
        // lags the wall clock on a quiet chain. The router checks both ways with its own clock.
        require(uint256(r.issuedAt) + READ_FRESHNESS_SECONDS >= time, "Grant: stale");
        require(!revoked[g.issuer][id], "Grant: revoked");
    }

    /// All fields when the grant lists none, else the grant's fields the record has, in the grant's order.
    function coveredFields(Record storage record, string[] calldata wanted)
        private
        view
        returns (string[] memory fields, string[] memory values)
    {
        if (wanted.length == 0) return (record.fields, record.values);
        uint256 n = record.fields.length;
        bytes32[] memory have = new bytes32[](n);
        for (uint256 j = 0; j < n; j++) have[j] = keccak256(bytes(record.fields[j]));
        // found[i] is 1 + the record's index of wanted[i], or 0 when the record lacks it.
        uint256[] memory found = new uint256[](wanted.length);
        uint256 count = 0;
        for (uint256 i = 0; i < wanted.length; i++) {
            bytes32 h = keccak256(bytes(wanted[i]));
            for (uint256 j = 0; j < n; j++) {
                if (have[j] == h) {
                    found[i] = j + 1;
                    count++;
                    break;
                }
            }
        }
        fields = new string[](count);
        values = new string[](count);
        uint256 k = 0;
        for (uint256 i = 0; i < wanted.length; i++) {
            if (found[i] == 0) continue;
            fields[k] = record.fields[found[i] - 1];
            values[k] = record.values[found[i] - 1];
            k++;
        }
    }

    function hashGrant(Grant calldata g) private pure returns (bytes32) {
        // Two halves keep the stack shallow; every member is one 32-byte word, as abi.encode lays it out.
        bytes memory head = abi.encode(
            GRANT_TYPEHASH,
            g.issuer,
            keccak256(bytes(g.audienceOrigin)),
            g.audienceKey,
            keccak256(bytes(g.resource))
        );
        bytes memory tail = abi.encode(
            hashStrings(g.records),
            hashStrings(g.fields),
            hashStrings(g.actions),
            g.notBefore,
            g.expiry,
            g.nonce
        );
        return keccak256(bytes.concat(head, tail));
    }

    /// EIP-712 string[]: keccak256 of the concatenated keccak256 of each string.
    function hashStrings(string[] calldata items) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](items.length);
        for (uint256 i = 0; i < items.length; i++) hashes[i] = keccak256(bytes(items[i]));
        return keccak256(abi.encodePacked(hashes));
    }

    function contains(string[] calldata items, bytes32 wanted) private pure returns (bool) {
        for (uint256 i = 0; i < items.length; i++) {
            if (keccak256(bytes(items[i])) == wanted) return true;
        }
        return false;
    }

    /// The signer of `digest`, or address(0) for a high-s or v other than 27/28 (ecrecover would
    /// accept the malleable twin; the grant code refuses it, so the contract does too).
    function recover(bytes32 digest, bytes calldata signature) private pure returns (address) {
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > MAX_S || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// block.timestamp in seconds. The devnode gives seconds; a real FISCO BCOS 2.x node gives the
    /// block header's milliseconds (and a `call` runs in the latest block's context).
    function nowSeconds() private view returns (uint256) {
        uint256 t = block.timestamp;
        return t > MILLISECONDS_FROM ? t / 1000 : t;
    }
}
