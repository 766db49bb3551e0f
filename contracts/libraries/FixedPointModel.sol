// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title FixedPointModel
/// @notice model/SPEC.md §3-5 evaluated on-chain: from the five raw features the hook's VarianceOracle computes and the
/// model's committed parameters, the LP fee and the published forecast s, bit for bit what model/'s evaluateFixed and
/// the circuit compute. For the hook's `onchain` verification mode (the hook evaluates the model itself instead of
/// verifying a proof of it); bench/crossover measures it against proof verification.
/// @dev The parameters are the four words of the commitment preimage (SPEC §6), so a hook can keep exactly what it
/// commits to (4 storage slots, or 128 bytes of a data contract's code):
///   correctionWord0, correctionWord1: the 29 signed 16-bit parameters W[0][0..4], .., W[3][0..4], c[0..3], v[0..3], b,
///                   15 lanes a word, lane i at bit 16 i holding q + 2^15;
///   levelWord:      c0 (32-bit, bit 0) | w[k] (24-bit, bit 32 + 24 k);
///   policyWord:     base + 2^23 (bit 0) | slope (24) | modelFeeMin (48) | modelFeeMax (72) | period | horizon.
/// Features are trusted to be the oracle's (each at most 2^38 - 1, where it saturates) and the pool bounds to be at
/// most 1_000_000: nothing here is range-checked, just as the hook does not check its own features before packing
/// them into a proof's public signals. Every step is exact integer arithmetic on two's-complement words: no
/// intermediate value comes near 2^255 for inputs in those ranges (S < 2^65, |Y| < 2^44, sigmaQ < 2^57).
library FixedPointModel {
    /// @notice The commitment preimage of SPEC §6: the model's parameters and policy as the hook stores them
    struct CommittedModel {
        uint256 correctionWord0;
        uint256 correctionWord1;
        uint256 levelWord;
        uint256 policyWord;
    }

    /// @dev Fractional bits of the log inputs x_k = L_8(F_k) (SPEC §3)
    uint256 internal constant INPUT_FRAC_BITS = 8;
    /// @dev Fractional bits of the fast log2 of the level sum (SPEC §4)
    uint256 internal constant LEVEL_LOG_FRAC_BITS = 24;
    /// @dev The level sum S has scale 2^30 (features 2^18 times weights 2^12): L_24(S) - 30 * 2^24 is log2 of ticks^2
    uint256 internal constant LEVEL_LOG_OFFSET = 30 << 24;
    /// @dev The published forecast is log2 variance at scale 2^32, clamped to [0, 24 * 2^33 - 1] (SPEC §5)
    uint256 internal constant FORECAST_MAX = 24 * (1 << 33) - 1;
    /// @dev floor(log2 b) of a byte b in [1, 255] is byte (MSB_BYTE_INDEX >> b) & 31 of MSB_BYTE_TABLE (every b
    /// at every position is checked against a bit scan by test/sol/crossover/Crossover.t.sol)
    uint256 internal constant MSB_BYTE_INDEX = 0x8421084210842108cc6318c6db6d54be;
    uint256 internal constant MSB_BYTE_TABLE = 0x0706060506020504060203020504030106050205030304010505030400000000;

    /// @notice The fee (pips) and the published forecast s (log2 variance over the horizon at scale 2^32) of the
    /// committed model for the oracle's five raw features and the pool's fee bounds: SPEC §3-5
    function evaluate(CommittedModel memory model, uint256[5] memory features, uint256 poolFeeMin, uint256 poolFeeMax)
        internal
        pure
        returns (uint256 fee, uint256 forecast)
    {
        return feeAndForecast(forecastLog2(model, features), model.policyWord, poolFeeMin, poolFeeMax);
    }

    /// @notice Y of SPEC §4, the forecast log2 variance at scale 2^32 before the clamp:
    /// (L_24(S) - 30 * 2^24) * 2^8 + b * 2^24 + sum_j v_j max(Z_j, 0),
    /// S = c0 * 2^18 + sum_k w_k F_k, Z_j = c_j * 2^12 + sum_k W[j][k] x_k, x_k = L_8(F_k)
    function forecastLog2(CommittedModel memory model, uint256[5] memory features) internal pure returns (int256 y) {
        assembly ("memory-safe") {
            // L_F(v): the same steps as fastLog2 below, repeated here so that the whole evaluation is one assembly
            // block, without a Solidity loop's bounds checks and internal calls
            function log2fx(v, fracBits) -> r {
                if v {
                    let m := shl(6, lt(0xffffffffffffffff, v))
                    m := or(m, shl(5, lt(0xffffffff, shr(m, v))))
                    m := or(m, shl(4, lt(0xffff, shr(m, v))))
                    m := or(m, shl(3, lt(0xff, shr(m, v))))
                    m := or(m, byte(and(0x1f, shr(shr(m, v), MSB_BYTE_INDEX)), MSB_BYTE_TABLE))
                    r := add(shl(fracBits, m), shr(m, shl(fracBits, sub(v, shl(m, 1)))))
                }
            }
            // A lane holds q + 2^15 and every x_k >= 0, so sum_k W[j][k] x_k = sum_k lane_k x_k - 2^15 sum_k x_k:
            // no sign extension per weight. `row` is a correction word shifted so that W[j][0] is its lowest lane.
            function dot(row, xs) -> s {
                s := add(
                    add(mul(and(row, 0xffff), mload(xs)), mul(and(shr(16, row), 0xffff), mload(add(xs, 32)))),
                    add(
                        add(mul(and(shr(32, row), 0xffff), mload(add(xs, 64))), mul(and(shr(48, row), 0xffff), mload(add(xs, 96)))),
                        mul(and(shr(64, row), 0xffff), mload(add(xs, 128)))
                    )
                )
            }
            // Z_j at scale 2^20 with c_j = word 1 lane 5 + j; adds v_j max(Z_j, 0) with v_j = word 1 lane 9 + j
            function unit(acc, row, j, word1, offset, xs) -> r {
                r := acc
                let z := add(sub(dot(row, xs), offset), shl(12, sub(and(shr(add(80, shl(4, j)), word1), 0xffff), 0x8000)))
                if sgt(z, 0) { r := add(r, mul(sub(and(shr(add(144, shl(4, j)), word1), 0xffff), 0x8000), z)) }
            }
            // x_k = L_8(F_k) into scratch memory past the free-memory pointer (nothing allocates meanwhile), and
            // S = c0 2^18 + sum_k w_k F_k from the level word
            let xs := mload(0x40)
            let level := mload(add(model, 64))
            let levelSum := shl(18, and(level, 0xffffffff))
            let sumX := 0
            for { let k := 0 } lt(k, 5) { k := add(k, 1) } {
                let f := mload(add(features, shl(5, k)))
                let xk := log2fx(f, INPUT_FRAC_BITS)
                mstore(add(xs, shl(5, k)), xk)
                sumX := add(sumX, xk)
                levelSum := add(levelSum, mul(and(shr(add(32, mul(24, k)), level), 0xffffff), f))
            }
            // (L_24(S) - 30 2^24) 2^8 + b 2^24, b = word 1 lane 13 at scale 2^8
            let w1 := mload(add(model, 32))
            y := add(shl(8, sub(log2fx(levelSum, LEVEL_LOG_FRAC_BITS), LEVEL_LOG_OFFSET)), shl(24, sub(and(shr(208, w1), 0xffff), 0x8000)))
            // W[0..2] are lanes 0-4, 5-9, 10-14 of word 0; W[3] lanes 0-4 of word 1
            let offset := shl(15, sumX)
            let w0 := mload(model)
            y := unit(y, w0, 0, w1, offset, xs)
            y := unit(y, shr(80, w0), 1, w1, offset, xs)
            y := unit(y, shr(160, w0), 2, w1, offset, xs)
            y := unit(y, w1, 3, w1, offset, xs)
        }
    }

    /// @notice L_F(v) of SPEC §3: m * 2^F + floor((v - 2^m) * 2^F / 2^m) with m = floor(log2 v), and L(0) = 0
    /// @dev Exact for v < 2^128 and F <= 128 (features are below 2^38, level sums below 2^70). m by binary search
    /// down to the top byte, then that byte's MSB from a 32-entry table (Solady's log2 trick)
    function fastLog2(uint256 v, uint256 fracBits) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            if v {
                let m := shl(6, lt(0xffffffffffffffff, v))
                m := or(m, shl(5, lt(0xffffffff, shr(m, v))))
                m := or(m, shl(4, lt(0xffff, shr(m, v))))
                m := or(m, shl(3, lt(0xff, shr(m, v))))
                m := or(m, byte(and(0x1f, shr(shr(m, v), MSB_BYTE_INDEX)), MSB_BYTE_TABLE))
                r := add(shl(fracBits, m), shr(m, shl(fracBits, sub(v, shl(m, 1)))))
            }
        }
    }

    /// @notice The level part of Y: (L_24(S) - 30 * 2^24) * 2^8, log2 of the level forecast at scale 2^32
    function levelLog2(uint256 levelSum) internal pure returns (int256 y) {
        uint256 l = fastLog2(levelSum, LEVEL_LOG_FRAC_BITS);
        assembly ("memory-safe") {
            y := shl(8, sub(l, LEVEL_LOG_OFFSET))
        }
    }

    /// @notice SPEC §5: the published forecast s = clamp(Y, 0, 24 * 2^33 - 1), sigma = (2^33 + (s mod 2^33)) << (s >> 33)
    /// (fast exp2 of s / 2, ticks at scale 2^33), then fee = clamp(floor((base 2^41 + slope sigma) / 2^41),
    /// max(modelFeeMin, poolFeeMin), min(modelFeeMax, poolFeeMax)) with the policy from SPEC §6's policy word
    function feeAndForecast(int256 y, uint256 policyWord, uint256 poolFeeMin, uint256 poolFeeMax)
        internal
        pure
        returns (uint256 fee, uint256 forecast)
    {
        assembly ("memory-safe") {
            forecast := y
            if slt(y, 0) { forecast := 0 }
            if sgt(forecast, FORECAST_MAX) { forecast := FORECAST_MAX }
            let one := shl(33, 1)
            let sigma := shl(shr(33, forecast), add(one, and(forecast, sub(one, 1))))
            let base := sub(and(policyWord, 0xffffff), 0x800000)
            let raw := sar(41, add(shl(41, base), mul(and(shr(24, policyWord), 0xffffff), sigma)))
            let lo := and(shr(48, policyWord), 0xffffff)
            if gt(poolFeeMin, lo) { lo := poolFeeMin }
            let hi := and(shr(72, policyWord), 0xffffff)
            if lt(poolFeeMax, hi) { hi := poolFeeMax }
            fee := raw
            if slt(fee, lo) { fee := lo }
            if sgt(fee, hi) { fee := hi }
        }
    }
}
