// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @notice A deliberately naive reading of model/SPEC.md §1-2, written without cumulative sums, rings or
/// searches, to check VolatilityOracle and the hook against.
library ReferenceOracle {
    uint256 internal constant FEATURE_MAX = type(uint32).max;

    /// @notice Features as of `asOf` over the closes `(periods[i], ticks[i])`, which must include the pending
    /// close if there is one. Every close after the first adds its squared change to the windows holding it.
    function features(uint32[] memory periods, int24[] memory ticks, uint32 asOf)
        internal
        pure
        returns (uint256[12] memory f)
    {
        uint256[4] memory horizons = [uint256(1), 5, 30, 240];
        for (uint256 j; j < 4; ++j) {
            uint256 up;
            uint256 down;
            uint256 n;
            for (uint256 i; i < periods.length; ++i) {
                uint256 p = periods[i];
                if (p > asOf || p + horizons[j] <= asOf) continue;
                ++n;
                if (i == 0) continue;
                int256 d = int256(ticks[i]) - int256(ticks[i - 1]);
                if (d > 0) up += uint256(d * d);
                else down += uint256(d * d);
            }
            f[j] = up > FEATURE_MAX ? FEATURE_MAX : up;
            f[4 + j] = down > FEATURE_MAX ? FEATURE_MAX : down;
            f[8 + j] = n;
        }
    }

    /// @notice `(periods, ticks)` with `(period, tick)` appended
    function append(uint32[] memory periods, int24[] memory ticks, uint32 period, int24 tick)
        internal
        pure
        returns (uint32[] memory p, int24[] memory t)
    {
        p = new uint32[](periods.length + 1);
        t = new int24[](ticks.length + 1);
        for (uint256 i; i < periods.length; ++i) {
            p[i] = periods[i];
            t[i] = ticks[i];
        }
        p[periods.length] = period;
        t[ticks.length] = tick;
    }
}
