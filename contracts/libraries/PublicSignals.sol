// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";

/// @title PublicSignals
/// @notice The four public signals of the fee circuit, packed exactly as model/SPEC.md §7 defines them.
/// @dev The hook builds every signal from its own state except the fee, so a proof verifies only for the
/// features, pool terms and context the chain itself sees. The lanes cannot overflow: the oracle saturates
/// the up/down features at 2^32 - 1, counts are at most 240 (< 2^8), fees at most 1_000_000 (< 2^24).
library PublicSignals {
    /// @notice up_1 | up_5 << 32 | up_30 << 64 | up_240 << 96 | down_1 << 128 | down_5 << 160 | down_30 << 192
    function featureWord0(uint256[12] memory features) internal pure returns (uint256) {
        return features[0] | features[1] << 32 | features[2] << 64 | features[3] << 96 | features[4] << 128
            | features[5] << 160 | features[6] << 192;
    }

    /// @notice down_240 | n_1 << 32 | n_5 << 40 | n_30 << 48 | n_240 << 56 | poolFeeMin << 64
    /// | poolFeeMax << 88 | period << 112 | fee << 144
    function featureWord1(uint256[12] memory features, uint24 poolFeeMin, uint24 poolFeeMax, uint32 period, uint24 fee)
        internal
        pure
        returns (uint256)
    {
        return features[7] | features[8] << 32 | features[9] << 40 | features[10] << 48 | features[11] << 56
            | uint256(poolFeeMin) << 64 | uint256(poolFeeMax) << 88 | uint256(period) << 112 | uint256(fee) << 144;
    }

    /// @notice Binds a proof to one chain, hook, pool and as-of period so it cannot be replayed elsewhere.
    /// @dev Shifted right by 6 bits so that it is always below the BN254 scalar field.
    function context(address hook, PoolId id, uint32 asOfPeriod) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, hook, id, uint256(asOfPeriod)))) >> 6;
    }
}
