// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @notice A plain, independent reading of model/SPEC.md §1-2 to check VarianceOracle and the hook against:
/// a memory struct instead of a packed word, checked arithmetic, the half-lives and decay factors copied
/// from the SPEC's table (not derived as 4^(k+1)), and every formula written as the SPEC writes it.
/// Nothing here is shared with contracts/libraries/VarianceOracle.sol.
/// @dev Why not simply decay once per period: the SPEC's decay over a gap of g periods is
/// pow64(Λ, g mod h) >> (g div h), which is not the product of g one-period decays once floors are taken,
/// so a per-period loop would be a different (if close) function. This follows the SPEC's own integers.
library ReferenceOracle {
    uint256 internal constant ONE = 2 ** 64;
    uint256 internal constant FEATURE_MAX = 2 ** 38 - 1;
    /// @dev The variances' fractional bits, EF in the SPEC
    uint256 internal constant EF = 18;

    struct State {
        bool hasClose;
        int256 lastCloseTick;
        uint256 statePeriod;
        uint256 firstPeriod;
        uint256[5] variances;
    }

    /// @notice The features as of a period, or that they are superseded (SPEC §2's error)
    struct Features {
        bool superseded;
        /// @dev The state's period when superseded: the move after the as-of period that is already recorded
        uint256 statePeriod;
        uint256[5] values;
    }

    /// @dev (if-chains rather than array literals, which would allocate memory on every call)
    function halfLife(uint256 k) internal pure returns (uint256) {
        if (k == 0) return 4;
        if (k == 1) return 16;
        if (k == 2) return 64;
        if (k == 3) return 256;
        if (k == 4) return 1024;
        revert("no such half-life");
    }

    /// @notice Λ_k from the SPEC's table
    function lambda(uint256 k) internal pure returns (uint256) {
        if (k == 0) return 0xd744fccad69d6af4;
        if (k == 1) return 0xf5257d152486cc2c;
        if (k == 2) return 0xfd3e0c0cf486c174;
        if (k == 3) return 0xff4ecb59511ec8a5;
        if (k == 4) return 0xffd3a751c0f7e10b;
        revert("no such half-life");
    }

    /// @notice The SPEC's pow64 loop, line by line
    function pow64(uint256 x, uint256 e) internal pure returns (uint256 r) {
        r = ONE;
        uint256 b = x;
        while (e > 0) {
            if (e % 2 == 1) r = (r * b) / ONE;
            e = e / 2;
            if (e > 0) b = (b * b) / ONE;
        }
    }

    /// @notice decay_k(g) = pow64(Λ_k, g mod h_k) >> (g div h_k), 0 when g div h_k >= 64
    function decay(uint256 k, uint256 g) internal pure returns (uint256) {
        uint256 h = halfLife(k);
        if (g / h >= 64) return 0;
        return pow64(lambda(k), g % h) / 2 ** (g / h);
    }

    /// @notice Records the close `(p, tick)` (SPEC §1, "Recording a close")
    function record(State memory s, uint256 p, int256 tick) internal pure {
        if (!s.hasClose) {
            s.hasClose = true;
            s.lastCloseTick = tick;
            s.statePeriod = p;
            s.firstPeriod = p;
            return;
        }
        int256 d = tick - s.lastCloseTick;
        if (d == 0) return;
        uint256 g = p - s.statePeriod;
        uint256 d2 = uint256(d * d);
        for (uint256 k; k < 5; ++k) {
            uint256 e = (s.variances[k] * decay(k, g)) / ONE + ((ONE - lambda(k)) * d2) / 2 ** (64 - EF);
            s.variances[k] = e < FEATURE_MAX ? e : FEATURE_MAX;
        }
        s.statePeriod = p;
        s.lastCloseTick = tick;
    }

    /// @notice Features as of completed period `asOf` of a state whose pending close, if any, has already been
    /// recorded when its period is at most `asOf` (SPEC §2)
    function features(State memory s, uint256 asOf) internal pure returns (Features memory f) {
        if (s.hasClose && s.statePeriod > asOf) {
            f.superseded = true;
            f.statePeriod = s.statePeriod;
            return f;
        }
        if (!s.hasClose || asOf == s.firstPeriod) return f;
        uint256 n = asOf - s.firstPeriod;
        uint256 g = asOf - s.statePeriod;
        for (uint256 k; k < 5; ++k) {
            uint256 corrected = ((s.variances[k] * decay(k, g)) / ONE) * ONE / (ONE - decay(k, n));
            f.values[k] = corrected < FEATURE_MAX ? corrected : FEATURE_MAX;
        }
    }

    function copy(State memory s) internal pure returns (State memory c) {
        (c.hasClose, c.lastCloseTick, c.statePeriod, c.firstPeriod) =
            (s.hasClose, s.lastCloseTick, s.statePeriod, s.firstPeriod);
        for (uint256 k; k < 5; ++k) {
            c.variances[k] = s.variances[k];
        }
    }

    /// @notice Features as of `asOf` of the stored state `s` with the pending close `(pendingPeriod,
    /// pendingTick)`, counted only if its period is at most `asOf` (SPEC §2); `s` is not changed
    function featuresWithPending(State memory s, uint256 pendingPeriod, int256 pendingTick, uint256 asOf)
        internal
        pure
        returns (Features memory)
    {
        if (pendingPeriod > asOf) return features(s, asOf);
        State memory c = copy(s);
        record(c, pendingPeriod, pendingTick);
        return features(c, asOf);
    }

    /// @notice What the hook reports as of `asOf` after the period closes `(periods[i], ticks[i])`, in period
    /// order, of which every one but the last is stored (a later period traded) and the last is the pending
    /// close, counted only if its period is at most `asOf` (a last period that is still open has a period
    /// above every as-of period one may ask about, so it is never counted either).
    function featuresOfCloses(uint32[] memory periods, int24[] memory ticks, uint256 asOf)
        internal
        pure
        returns (Features memory)
    {
        State memory s;
        for (uint256 i; i < periods.length; ++i) {
            if (i + 1 == periods.length && periods[i] > asOf) break;
            record(s, periods[i], ticks[i]);
        }
        return features(s, asOf);
    }
}
