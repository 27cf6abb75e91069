// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// A fungible asset: the issuer mints at deployment, holders transfer. Kept close to ERC-20's
/// core so wallets and explorers recognise the Transfer event.
///
/// It also takes part in trusted transactions (docs/ttm.md): hash-locked two-phase commit
/// (prepare/commit/abort) and HTLC swaps. Escrowed value is held as this contract's own balance,
/// so `balanceOf(address(this))` is the escrow and every move in or out of it emits Transfer:
/// the sum of all balances stays `totalSupply`.
contract Asset {
    struct Transaction {
        address owner;
        uint64 deadline;
        uint8 state;
        bytes32 hashLock;
        bytes32 preimage;
        /// keccak256 of the steps, to recognise a repeated prepare.
        bytes32 steps;
        uint256 total;
        address[] to;
        uint256[] amounts;
    }

    struct Htlc {
        address sender;
        uint64 timelock;
        uint8 state;
        address receiver;
        uint256 amount;
        bytes32 hashLock;
        bytes32 preimage;
    }

    uint8 private constant NONE = 0;
    uint8 private constant PREPARED = 1;
    uint8 private constant COMMITTED = 2;
    uint8 private constant ABORTED = 3;
    uint8 private constant LOCKED = 1;
    uint8 private constant CLAIMED = 2;
    uint8 private constant REFUNDED = 3;
    /// A block time above this is in milliseconds (a real FISCO BCOS 2.x node); seconds stay below it until year 33658.
    uint256 private constant MILLISECONDS_FROM = 1e12;

    string public name;
    string public symbol;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    mapping(bytes32 => Transaction) private transactions;
    mapping(bytes32 => Htlc) private htlcs;
    /// The transaction that last locked an account; the lock is live only while that
    /// transaction is prepared and before its deadline (see lockedBy), so it expires by itself.
    mapping(address => bytes32) private locks;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event TxPrepared(
        bytes32 indexed txId,
        address indexed owner,
        bytes32 hashLock,
        uint64 deadline,
        address[] to,
        uint256[] amounts
    );
    event TxCommitted(bytes32 indexed txId, bytes32 preimage);
    event TxAborted(bytes32 indexed txId);
    event HtlcLocked(
        bytes32 indexed id,
        address indexed sender,
        address indexed receiver,
        uint256 amount,
        bytes32 hashLock,
        uint64 timelock
    );
    event HtlcClaimed(bytes32 indexed id, bytes32 preimage);
    event HtlcRefunded(bytes32 indexed id);

    constructor(string memory assetName, string memory assetSymbol, uint256 initialSupply) {
        name = assetName;
        symbol = assetSymbol;
        totalSupply = initialSupply;
        balanceOf[msg.sender] = initialSupply;
        emit Transfer(address(0), msg.sender, initialSupply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        checkRecipient(to);
        require(lockedBy(msg.sender) == 0 && lockedBy(to) == 0, "Asset: account locked by a cross-chain transaction");
        move(msg.sender, to, value);
        return true;
    }

    /// The prepared transaction whose live lock holds `account`, or zero: a lock ends at commit,
    /// at abort, and at its transaction's deadline, whichever comes first.
    function lockedBy(address account) public view returns (bytes32) {
        bytes32 txId = locks[account];
        if (txId == 0) return 0;
        Transaction storage t = transactions[txId];
        return t.state == PREPARED && nowSeconds() < t.deadline ? txId : bytes32(0);
    }

    /// Escrows sum(amounts) from the sender and locks the sender and every `to` until commit,
    /// abort or the deadline. The same prepare again is a no-op.
    function prepare(
        bytes32 txId,
        bytes32 hashLock,
        uint64 deadline,
        address[] calldata to,
        uint256[] calldata amounts
    ) external {
        require(txId != 0, "Asset: zero id");
        Transaction storage t = transactions[txId];
        bytes32 steps = keccak256(abi.encode(to, amounts));
        if (t.state != NONE) {
            // An abort of a never-prepared id lands here too: that prepare must no longer lock anything.
            require(t.state != ABORTED, "Asset: transaction aborted");
            require(
                t.owner == msg.sender && t.hashLock == hashLock && t.deadline == deadline && t.steps == steps,
                "Asset: transaction id already used"
            );
            return;
        }
        require(to.length > 0, "Asset: no recipients");
        require(to.length == amounts.length, "Asset: recipients and amounts differ in length");
        require(nowSeconds() < deadline, "Asset: deadline passed");
        uint256 total = 0;
        for (uint256 i = 0; i < to.length; i++) {
            checkRecipient(to[i]);
            total += amounts[i];
        }
        lock(msg.sender, txId);
        for (uint256 i = 0; i < to.length; i++) lock(to[i], txId);
        move(msg.sender, address(this), total);
        t.owner = msg.sender;
        t.deadline = deadline;
        t.state = PREPARED;
        t.hashLock = hashLock;
        t.steps = steps;
        t.total = total;
        t.to = to;
        t.amounts = amounts;
        emit TxPrepared(txId, msg.sender, hashLock, deadline, to, amounts);
    }

    /// Anyone holding the preimage commits before the deadline: pays every `to` and unlocks.
    function commit(bytes32 txId, bytes32 preimage) external {
        Transaction storage t = transactions[txId];
        require(t.state != NONE, "Asset: no such transaction");
        require(t.state != ABORTED, "Asset: transaction aborted");
        require(sha256(abi.encodePacked(preimage)) == t.hashLock, "Asset: wrong preimage");
        if (t.state == COMMITTED) return;
        require(nowSeconds() < t.deadline, "Asset: deadline passed");
        t.state = COMMITTED;
        t.preimage = preimage;
        for (uint256 i = 0; i < t.to.length; i++) move(address(this), t.to[i], t.amounts[i]);
        unlock(t, txId);
        emit TxCommitted(txId, preimage);
    }

    /// The owner aborts until commit, anyone from the deadline on: refunds the owner and unlocks.
    /// An id never prepared is recorded as aborted, so its prepare is refused from then on.
    function abort(bytes32 txId) external {
        require(txId != 0, "Asset: zero id");
        Transaction storage t = transactions[txId];
        if (t.state == ABORTED) return;
        require(t.state != COMMITTED, "Asset: transaction committed");
        if (t.state == NONE) {
            t.owner = msg.sender;
            t.state = ABORTED;
            emit TxAborted(txId);
            return;
        }
        require(
            msg.sender == t.owner || nowSeconds() >= t.deadline,
            "Asset: only the owner may abort before the deadline"
        );
        t.state = ABORTED;
        move(address(this), t.owner, t.total);
        unlock(t, txId);
        emit TxAborted(txId);
    }

    /// state: 0 none, 1 prepared, 2 committed, 3 aborted. For an id aborted without a prepare,
    /// owner is whoever aborted it and the rest is zero.
    function txState(bytes32 txId)
        external
        view
        returns (address owner, bytes32 hashLock, uint64 deadline, uint8 state, bytes32 preimage)
    {
        Transaction storage t = transactions[txId];
        return (t.owner, t.hashLock, t.deadline, t.state, t.preimage);
    }

    /// Escrows `amount` from the sender for `receiver` until claimed with the preimage or
    /// refunded from the timelock on. The same lock again is a no-op.
    function htlcLock(bytes32 id, address receiver, uint256 amount, bytes32 hashLock, uint64 timelock) external {
        require(id != 0, "Asset: zero id");
        Htlc storage l = htlcs[id];
        if (l.state != NONE) {
            require(
                l.sender == msg.sender &&
                    l.receiver == receiver &&
                    l.amount == amount &&
                    l.hashLock == hashLock &&
                    l.timelock == timelock,
                "Asset: HTLC id already used"
            );
            return;
        }
        checkRecipient(receiver);
        require(nowSeconds() < timelock, "Asset: timelock passed");
        // The sender's balance is frozen while a prepared transaction locks it, as for transfer.
        require(lockedBy(msg.sender) == 0, "Asset: account locked by a cross-chain transaction");
        move(msg.sender, address(this), amount);
        l.sender = msg.sender;
        l.timelock = timelock;
        l.state = LOCKED;
        l.receiver = receiver;
        l.amount = amount;
        l.hashLock = hashLock;
        emit HtlcLocked(id, msg.sender, receiver, amount, hashLock, timelock);
    }

    /// Anyone holding the preimage claims for the receiver before the timelock.
    function htlcClaim(bytes32 id, bytes32 preimage) external {
        Htlc storage l = htlcs[id];
        require(l.state != NONE, "Asset: no such HTLC");
        require(l.state != REFUNDED, "Asset: HTLC refunded");
        require(sha256(abi.encodePacked(preimage)) == l.hashLock, "Asset: wrong preimage");
        if (l.state == CLAIMED) return;
        require(nowSeconds() < l.timelock, "Asset: timelock passed");
        l.state = CLAIMED;
        l.preimage = preimage;
        move(address(this), l.receiver, l.amount);
        emit HtlcClaimed(id, preimage);
    }

    /// Anyone refunds the sender from the timelock on, unless claimed.
    function htlcRefund(bytes32 id) external {
        Htlc storage l = htlcs[id];
        require(l.state != NONE, "Asset: no such HTLC");
        require(l.state != CLAIMED, "Asset: HTLC claimed");
        if (l.state == REFUNDED) return;
        require(nowSeconds() >= l.timelock, "Asset: timelock not reached");
        l.state = REFUNDED;
        move(address(this), l.sender, l.amount);
        emit HtlcRefunded(id);
    }

    /// state: 0 none, 1 locked, 2 claimed, 3 refunded.
    function htlcState(bytes32 id)
        external
        view
        returns (
            address sender,
            address receiver,
            uint256 amount,
            bytes32 hashLock,
            uint64 timelock,
            uint8 state,
            bytes32 preimage
        )
    {
        Htlc storage l = htlcs[id];
        return (l.sender, l.receiver, l.amount, l.hashLock, l.timelock, l.state, l.preimage);
    }

    function move(address from, address to, uint256 value) private {
        uint256 held = balanceOf[from];
        require(held >= value, "Asset: insufficient balance");
        unchecked {
            balanceOf[from] = held - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    /// Escrow is this contract's balance: a payment into it from outside would be mistaken for escrow.
    function checkRecipient(address to) private view {
        require(to != address(0), "Asset: transfer to the zero address");
        require(to != address(this), "Asset: transfer to the asset contract");
    }

    function lock(address account, bytes32 txId) private {
        bytes32 holder = lockedBy(account);
        require(holder == 0 || holder == txId, "Asset: account locked by a cross-chain transaction");
        locks[account] = txId;
    }

    /// Clears the locks this transaction still holds (an expired one may have been taken over).
    function unlock(Transaction storage t, bytes32 txId) private {
        if (locks[t.owner] == txId) delete locks[t.owner];
        for (uint256 i = 0; i < t.to.length; i++) {
            if (locks[t.to[i]] == txId) delete locks[t.to[i]];
        }
    }

    /// block.timestamp in seconds. The devnode gives seconds; a real FISCO BCOS 2.x node gives the
    /// block header's milliseconds (and a `call` runs in the latest block's context).
    function nowSeconds() private view returns (uint256) {
        uint256 t = block.timestamp;
        return t > MILLISECONDS_FROM ? t / 1000 : t;
    }
}
