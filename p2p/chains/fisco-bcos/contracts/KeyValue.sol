// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// A plain key/value store: anyone may write, everyone may read.
contract KeyValue {
    mapping(string => string) private values;
    mapping(string => bool) private present;

    event ValueSet(string indexed keyHash, string key, string value, address writer);

    function set(string calldata key, string calldata value) external {
        values[key] = value;
        present[key] = true;
        emit ValueSet(key, key, value, msg.sender);
    }

    function get(string calldata key) external view returns (string memory) {
        require(present[key], "KeyValue: no such key");
        return values[key];
    }

    function has(string calldata key) external view returns (bool) {
        return present[key];
    }
}
