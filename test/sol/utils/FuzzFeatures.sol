// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @notice The feature vectors the parity fuzzes draw (crossover bench, OnchainModels): per lane zero, the saturated
/// 2^38 - 1, a power of two, or a random value of a random bit length, so that every branch of the fast log2 is reached
library FuzzFeatures {
    uint256 internal constant FEATURE_MAX = (1 << 38) - 1;

    /// @dev Lane k of vector v drawn from `seed`
    function at(uint256 seed, uint256 v, uint256 k) internal pure returns (uint256) {
        uint256 r = uint256(keccak256(abi.encode(seed, v, k)));
        uint256 kind = r % 8;
        uint256 bits = (r >> 8) % 39;
        return kind == 0 ? 0 : kind == 1 ? FEATURE_MAX : kind == 2 ? 1 << (bits % 38) : (r >> 16) & ((1 << bits) - 1);
    }
}
