// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title VarianceOracle
/// @notice Five exponentially weighted variances of a pool's close-to-close tick moves, and their
/// bias-corrected values as of a period: exactly model/SPEC.md §1-2.
/// @dev The whole state is one word: variance k (ticks^2 per period at scale 2^18, 38 bits) at bit 38k,
/// then the period of the last recorded move at bit 190 and the period of the first close at bit 222.
/// Whether a close exists and its tick live in the hook's pool state, which every swap reads anyway, so a
/// period that closes without a move costs nothing here.
library VarianceOracle {
    /// @notice A move after `asOfPeriod` is already recorded, so the state as of that period is gone
    error PeriodSuperseded(uint32 asOfPeriod, uint32 statePeriod);

    uint256 internal constant K = 5;
    uint256 internal constant FEATURE_BITS = 38;
    uint256 internal constant FEATURE_MAX = (1 << 38) - 1;
    uint256 internal constant STATE_PERIOD_SHIFT = 190;
    uint256 internal constant FIRST_PERIOD_SHIFT = 222;
    /// @dev A squared move enters at A_k * d^2 >> (64 - 18): scale 2^18
    uint256 private constant INCREMENT_SHIFT = 46;
    uint256 private constant ONE = 1 << 64;

    /// @notice The state word of a first close in period `p`: no variance yet
    function first(uint32 p) internal pure returns (uint256) {
        return uint256(p) << STATE_PERIOD_SHIFT | uint256(p) << FIRST_PERIOD_SHIFT;
    }

    /// @notice Records a close of period `p` that moved the tick by `d` (nonzero) since the last close
    function update(uint256 word, uint32 p, int256 d) internal pure returns (uint256 next) {
        unchecked {
            // |d| <= 2 * 887272, so d * d < 2^42 and A_k * d^2 < 2^104
            uint256 d2 = uint256(d * d);
            uint256 g = p - uint32(word >> STATE_PERIOD_SHIFT);
            for (uint256 k; k < K; ++k) {
                uint256 e = (_variance(word, k) * decay(k, g)) >> 64;
                e += (_innovation(k) * d2) >> INCREMENT_SHIFT;
                next |= (e > FEATURE_MAX ? FEATURE_MAX : e) << (FEATURE_BITS * k);
            }
            next |= uint256(p) << STATE_PERIOD_SHIFT | (word >> FIRST_PERIOD_SHIFT) << FIRST_PERIOD_SHIFT;
        }
    }

    /// @notice Records the close `(p, tick)` on top of a state whose last close is `lastTick`
    /// @return next The state word after it
    /// @return moved Whether anything changed: a close without a move records nothing
    function record(uint256 word, bool hasClose, int24 lastTick, uint32 p, int24 tick)
        internal
        pure
        returns (uint256 next, bool moved)
    {
        if (!hasClose) return (first(p), true);
        if (tick == lastTick) return (word, false);
        return (update(word, p, int256(tick) - lastTick), true);
    }

    /// @notice The 5 raw features as of completed period `asOf` (SPEC §2)
    /// @param word The stored state; `hasClose` / `lastTick` the hook's record of the last close
    /// @param hasPending Whether the pending close `(pendingPeriod, pendingTick)` exists; it counts when its
    /// period is at most `asOf`
    function features(
        uint256 word,
        bool hasClose,
        int24 lastTick,
        bool hasPending,
        uint32 pendingPeriod,
        int24 pendingTick,
        uint32 asOf
    ) internal pure returns (uint256[K] memory f) {
        if (hasPending && pendingPeriod <= asOf) {
            (word,) = record(word, hasClose, lastTick, pendingPeriod, pendingTick);
            hasClose = true;
        }
        if (!hasClose) return f;
        uint32 statePeriod = uint32(word >> STATE_PERIOD_SHIFT);
        if (statePeriod > asOf) revert PeriodSuperseded(asOf, statePeriod);
        unchecked {
            uint256 n = asOf - uint32(word >> FIRST_PERIOD_SHIFT);
            if (n == 0) return f;
            uint256 g = asOf - statePeriod;
            for (uint256 k; k < K; ++k) {
                uint256 decayed = (_variance(word, k) * decay(k, g)) >> 64;
                // n >= 1, so decay(k, n) <= Λ_k < 2^64 and the divisor is at least A_k
                uint256 corrected = (decayed << 64) / (ONE - decay(k, n));
                f[k] = corrected > FEATURE_MAX ? FEATURE_MAX : corrected;
            }
        }
    }

    /// @notice decay_k(g) = pow64(Λ_k, g mod h_k) >> (g div h_k), with h_k = 4^(k+1): 2^(-g/h_k) at scale 2^64
    function decay(uint256 k, uint256 g) internal pure returns (uint256) {
        unchecked {
            uint256 log2h = 2 * k + 2;
            uint256 halvings = g >> log2h;
            if (halvings >= 64) return 0;
            return pow64(_lambda(k), g & ((1 << log2h) - 1)) >> halvings;
        }
    }

    /// @notice 2^64 (x / 2^64)^e with every product floored, in SPEC §1's order
    function pow64(uint256 x, uint256 e) internal pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := shl(64, 1)
            for {} gt(e, 0) {} {
                if and(e, 1) { r := shr(64, mul(r, x)) }
                e := shr(1, e)
                if gt(e, 0) { x := shr(64, mul(x, x)) }
            }
        }
    }

    /// @notice Variance k of a state word, ticks^2 per period at scale 2^18
    function variance(uint256 word, uint256 k) internal pure returns (uint256) {
        return _variance(word, k);
    }

    function _variance(uint256 word, uint256 k) private pure returns (uint256) {
        return (word >> (FEATURE_BITS * k)) & FEATURE_MAX;
    }

    /// @dev Λ_k = floor(2^64 2^(-1/h_k)) for h = [4, 16, 64, 256, 1024]
    function _lambda(uint256 k) private pure returns (uint256) {
        if (k == 0) return 0xd744fccad69d6af4;
        if (k == 1) return 0xf5257d152486cc2c;
        if (k == 2) return 0xfd3e0c0cf486c174;
        if (k == 3) return 0xff4ecb59511ec8a5;
        return 0xffd3a751c0f7e10b;
    }

    /// @dev A_k = 2^64 - Λ_k
    function _innovation(uint256 k) private pure returns (uint256) {
        return ONE - _lambda(k);
    }
}
