// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// A fungible asset: the issuer mints at deployment, holders transfer. Kept close to ERC-20's
/// core so wallets and explorers recognise the Transfer event.
contract Asset {
    string public name;
    string public symbol;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(string memory assetName, string memory assetSymbol, uint256 initialSupply) {
        name = assetName;
        symbol = assetSymbol;
        totalSupply = initialSupply;
        balanceOf[msg.sender] = initialSupply;
        emit Transfer(address(0), msg.sender, initialSupply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(to != address(0), "Asset: transfer to the zero address");
        uint256 held = balanceOf[msg.sender];
        require(held >= value, "Asset: insufficient balance");
        unchecked {
            balanceOf[msg.sender] = held - value;
        }
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
