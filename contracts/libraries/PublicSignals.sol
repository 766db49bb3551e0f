// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";

/// @title PublicSignals
/// @notice The four public signals of the fee circuit, packed exactly as model/SPEC.md §7 defines them.
/// @dev The hook builds every signal from its own state except the fee and the forecast, which the proof
/// forces to be the model's outputs. The lanes cannot overflow: features saturate at 2^38 - 1, fees are at
/// most 1_000_000 (< 2^24), and the hook refuses a forecast of 2^38 or more before packing it.
library PublicSignals {
    /// @notice F_0 | F_1 << 38 | F_2 << 76 | F_3 << 114 | F_4 << 152
    function featureWord(uint256[5] memory features) internal pure returns (uint256) {
        return features[0] | features[1] << 38 | features[2] << 76 | features[3] << 114 | features[4] << 152;
    }

    /// @notice poolFeeMin | poolFeeMax << 24 | period << 48 | fee << 80 | forecast << 104
    function termsWord(uint24 poolFeeMin, uint24 poolFeeMax, uint32 period, uint24 fee, uint256 forecast)
        internal
        pure
        returns (uint256)
    {
        return uint256(poolFeeMin) | uint256(poolFeeMax) << 24 | uint256(period) << 48 | uint256(fee) << 80
            | forecast << 104;
    }

    /// @notice Binds a proof to one chain, hook, pool and as-of period so it cannot be replayed elsewhere.
    /// @dev Shifted right by 6 bits so that it is always below the BN254 scalar field.
    function context(address hook, PoolId id, uint32 asOfPeriod) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, hook, id, uint256(asOfPeriod)))) >> 6;
    }
}
