// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {VarianceOracle} from "../../../contracts/libraries/VarianceOracle.sol";
import {ReferenceOracle} from "../utils/ReferenceOracle.sol";

/// @notice External entry points to the library, so reverts can be expected
contract VarianceOracleHarness {
    function record(uint256 word, bool hasClose, int24 lastTick, uint32 p, int24 tick)
        external
        pure
        returns (uint256, bool)
    {
        return VarianceOracle.record(word, hasClose, lastTick, p, tick);
    }

    function features(
        uint256 word,
        bool hasClose,
        int24 lastTick,
        bool hasPending,
        uint32 pendingPeriod,
        int24 pendingTick,
        uint32 asOf
    ) external pure returns (uint256[5] memory) {
        return VarianceOracle.features(word, hasClose, lastTick, hasPending, pendingPeriod, pendingTick, asOf);
    }
}

contract VarianceOracleTest is Test {
    int24 constant MAX_TICK = 887272;
    uint256 constant ONE = 2 ** 64;
    uint256 constant FEATURE_MAX = 2 ** 38 - 1;

    VarianceOracleHarness oracle;

    /// @dev The oracle as the hook holds it: the state word, and whether a close exists and its tick
    uint256 word;
    bool hasClose;
    int24 lastTick;

    function setUp() public {
        oracle = new VarianceOracleHarness();
    }

    // ------------------------------------------------------------ constants and fixed-point powers

    /// @dev The SPEC's table, checked against its definition Λ_k = floor(2^64 2^(-1/h_k)) without trusting it:
    /// Λ^h < 2^(64h - 1) < (Λ + 1)^h, bracketed by rounding down and up at 128 fractional bits. The brackets
    /// are ~2^-120 wide, the gap they must resolve is ~h 2^-65.
    function test_decayFactors_areTheSpecsDefinition() public pure {
        for (uint256 k; k < 5; ++k) {
            uint256 lambda = ReferenceOracle.lambda(k);
            uint256 h = ReferenceOracle.halfLife(k);
            assertLt(_powQ128(lambda, h, true), 2 ** 127, "lambda^h < 1/2");
            assertGt(_powQ128(lambda + 1, h, false), 2 ** 127, "(lambda + 1)^h > 1/2");
            assertEq(VarianceOracle.decay(k, 1), lambda, "decay by one period is lambda");
            assertEq(VarianceOracle.decay(k, h), 2 ** 63, "decay by one half-life is exactly 1/2");
        }
    }

    function test_pow64_edgeCases() public pure {
        assertEq(VarianceOracle.pow64(0xd744fccad69d6af4, 0), ONE);
        assertEq(VarianceOracle.pow64(0xd744fccad69d6af4, 1), 0xd744fccad69d6af4);
        assertEq(VarianceOracle.pow64(ONE, 12_345), ONE);
        assertEq(VarianceOracle.pow64(0, 3), 0);
        assertEq(VarianceOracle.pow64(ONE / 2, 3), ONE / 8);
    }

    function testFuzz_pow64_isTheSpecLoop(uint256 x, uint256 e) public pure {
        x = bound(x, 0, ONE);
        e = bound(e, 0, type(uint32).max);
        assertEq(VarianceOracle.pow64(x, e), ReferenceOracle.pow64(x, e));
    }

    function testFuzz_decay_isTheSpecs(uint256 k, uint32 g) public pure {
        k = bound(k, 0, 4);
        assertEq(VarianceOracle.decay(k, g), ReferenceOracle.decay(k, g));
    }

    /// @dev 2^-64 at scale 2^64 is 1: one period short of 64 half-lives the decay is 1, at 64 it is 0
    function test_decay_vanishesAt64HalfLives() public pure {
        for (uint256 k; k < 5; ++k) {
            uint256 h = ReferenceOracle.halfLife(k);
            assertEq(VarianceOracle.decay(k, 64 * h - 1), 1);
            assertEq(VarianceOracle.decay(k, 64 * h), 0);
            assertEq(VarianceOracle.decay(k, type(uint32).max), 0);
        }
    }

    // ------------------------------------------------------------ recording closes

    function test_record_firstCloseStartsTheState() public view {
        // the hook's placeholder word 1 must not leak into the state
        (uint256 w, bool moved) = oracle.record(1, false, 0, 77, -500);
        assertTrue(moved);
        assertEq(w, VarianceOracle.first(77));
        _assertVariances(w, [uint256(0), 0, 0, 0, 0]);
        assertEq(_statePeriod(w), 77);
        assertEq(_firstPeriod(w), 77);
    }

    /// @dev Any state, any later period: a close at the last close's tick returns the word unchanged
    function testFuzz_record_closeWithoutMoveChangesNothing(uint256 w, int24 tick, uint32 p) public view {
        (uint256 next, bool moved) = oracle.record(w, true, tick, p, tick);
        assertFalse(moved);
        assertEq(next, w);
    }

    function test_record_firstMoveIsTheInnovation() public {
        _close(100, 0);
        _close(101, 30);
        for (uint256 k; k < 5; ++k) {
            assertEq(VarianceOracle.variance(word, k), _innovation(k, 30), "A_k d^2 at scale 2^18");
        }
        assertEq(_statePeriod(word), 101);
        assertEq(_firstPeriod(word), 100);
        assertEq(lastTick, 30);
    }

    /// @dev A gap of exactly h_k periods halves variance k (floored) before the new move is added
    function test_record_decaysByHalfPerHalfLife() public {
        _close(0, 0);
        _close(1, 1000);
        uint256 before = word;
        _close(1 + 16, 1010);
        assertEq(VarianceOracle.variance(word, 1), VarianceOracle.variance(before, 1) / 2 + _innovation(1, 10));
        _close(1 + 16 + 64, 1000);
        _assertVariances(word, _reference([uint32(0), 1, 17, 81], [int24(0), 1000, 1010, 1000]));
    }

    /// @dev After 64 half-lives of the slowest variance every old variance has decayed to exactly 0
    function test_record_gapOf64HalfLivesForgetsEverything() public {
        _close(0, 0);
        _close(1, 5000);
        _close(2, -5000);
        _close(2 + 64 * 1024, -4990);
        for (uint256 k; k < 5; ++k) {
            assertEq(VarianceOracle.variance(word, k), _innovation(k, 10));
        }
        assertEq(_firstPeriod(word), 0);
    }

    /// @dev The largest move possible saturates every variance at 2^38 - 1 without touching the periods, and
    /// a saturated variance stays saturated
    function test_record_saturates() public {
        _close(3, -MAX_TICK);
        _close(4, MAX_TICK);
        _assertVariances(word, [FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX]);
        assertEq(_statePeriod(word), 4);
        assertEq(_firstPeriod(word), 3);
        _close(5, -MAX_TICK);
        _assertVariances(word, [FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX]);
        uint256[5] memory f = oracle.features(word, true, lastTick, false, 0, 0, 5);
        for (uint256 k; k < 5; ++k) {
            assertEq(f[k], FEATURE_MAX);
        }
        // each variance saturates on its own: a 2,000-tick move fits every lane (2^20 ticks^2 per period is
        // the cap, and variance 0 takes 16% of a move), a following 2,570-tick move overflows only the fastest
        (word, hasClose) = (0, false);
        _close(0, 0);
        _close(1, 2000);
        assertLt(VarianceOracle.variance(word, 0), FEATURE_MAX);
        _close(2, 4570);
        assertEq(VarianceOracle.variance(word, 0), FEATURE_MAX);
        _assertVariances(word, _reference([uint32(0), 1, 2, 2], [int24(0), 2000, 4570, 4570]));
        assertLt(VarianceOracle.variance(word, 1), FEATURE_MAX);
    }

    // ------------------------------------------------------------ features

    function test_features_zeroWithoutACloseOrInTheFirstPeriod() public {
        _assertFeatures(oracle.features(1, false, 0, false, 0, 0, 1000), [uint256(0), 0, 0, 0, 0]);
        // the pending close is the first: no move yet
        _assertFeatures(oracle.features(1, false, 0, true, 50, 7, 60), [uint256(0), 0, 0, 0, 0]);
        _close(50, 7);
        // n = asOf - firstPeriod = 0, the pending move of period 51 not counted yet
        _assertFeatures(oracle.features(word, true, lastTick, true, 51, 8, 50), [uint256(0), 0, 0, 0, 0]);
        // a first close that is pending: recorded, but n = 0 still
        _assertFeatures(oracle.features(1, false, 0, true, 50, 7, 50), [uint256(0), 0, 0, 0, 0]);
    }

    /// @dev One move d one period after the first close: the bias correction divides A_k d^2 by A_k again, so the
    /// feature is d^2 at scale 2^18 up to the two floors: short by at most 2^64 / A_k + 1 (so not exactly d^2 2^18)
    function testFuzz_features_oneMoveIsItsSquare(int24 d, uint32 p) public {
        // below 1,024 ticks: d^2 2^18 < 2^38, so no feature (nor variance) saturates
        d = int24(bound(d, -1023, 1023));
        vm.assume(d != 0);
        p = uint32(bound(p, 0, type(uint32).max - 1));
        _close(p, 0);
        _close(p + 1, d);
        uint256[5] memory f = oracle.features(word, true, lastTick, false, 0, 0, p + 1);
        uint256 squared = uint256(int256(d) * d) << 18;
        for (uint256 k; k < 5; ++k) {
            uint256 a = ONE - ReferenceOracle.lambda(k);
            assertLe(f[k], squared);
            assertGt(f[k] + ONE / a + 2, squared);
            assertEq(f[k], (_innovation(k, d) << 64) / a);
        }
        if (d == 1) assertEq(f[0], 262_143, "2^18 - 1 for a one-tick move, from the floors");
    }

    function test_features_revertWhenAMoveAfterTheAsOfPeriodIsRecorded() public {
        _close(40, 0);
        _close(50, 12);
        _close(60, 12); // no move: the state stays as of 50
        vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, uint32(49), uint32(50)));
        oracle.features(word, true, lastTick, false, 0, 0, 49);
        vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, uint32(40), uint32(50)));
        oracle.features(word, true, lastTick, true, 70, 99, 40);
        // the as-of periods after the last move all exist, including those before the no-move close
        oracle.features(word, true, lastTick, false, 0, 0, 50);
        _assertFeatures(
            oracle.features(word, true, lastTick, false, 0, 0, 55),
            _referenceFeatures([uint32(40), 50, 60], [int24(0), 12, 12], 55)
        );
    }

    /// @dev The pending close is counted from its own period on, and then equals recording it for real
    function test_features_pendingCloseCountsOnlyFromItsPeriod() public {
        _close(10, 0);
        _close(12, 40);
        uint256[5] memory without = oracle.features(word, true, lastTick, false, 0, 0, 19);
        _assertFeatures(oracle.features(word, true, lastTick, true, 20, 100, 19), without);
        uint256[5] memory at20 = oracle.features(word, true, lastTick, true, 20, 100, 20);
        uint256[5] memory at25 = oracle.features(word, true, lastTick, true, 20, 100, 25);
        _close(20, 100);
        _assertFeatures(oracle.features(word, true, lastTick, false, 0, 0, 20), at20);
        _assertFeatures(oracle.features(word, true, lastTick, false, 0, 0, 25), at25);
        assertNotEq(at20[0], without[0], "the pending move counted");
    }

    /// @dev Random histories: tick walks, jumps across the whole range and closes without a move, in dense,
    /// sparse and very sparse regimes; before and after recording every close, features as of random periods
    /// around the state (pending close counted or not, superseded or not) equal the reference, reverts included
    function testFuzz_matchesReference(uint256 seed) public {
        uint256 n = bound(seed, 2, 80);
        uint256 regime = (seed >> 8) % 3;
        ReferenceOracle.State memory ref;
        uint256 p = bound(seed >> 16, 0, 1_000_000);
        uint256 previous = p;
        int256 tick = int256(bound(seed >> 48, 0, 200_000)) - 100_000;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (i > 0) {
                previous = p;
                p += regime == 0 ? 1 + r % 2 : regime == 1 ? 1 + r % 300 : (r % 4 == 0 ? 1 + r % 100_000 : 1);
            }
            uint256 kind = (r >> 64) % 8;
            if (kind == 0) tick = int256((r >> 80) % (2 * uint256(uint24(MAX_TICK)) + 1)) - MAX_TICK;
            else if (kind > 2) tick = _clamp(tick + int256((r >> 80) % 401) - 200);
            // kind 1 and 2: the close did not move
            // with close i pending and the closes before it stored
            for (uint256 j; j < 3; ++j) {
                uint32 asOf = uint32(_asOfNear(r >> (128 + 32 * j), previous, p));
                _checkAgainstReference(
                    ReferenceOracle.featuresWithPending(ref, p, tick, asOf), true, uint32(p), int24(tick), asOf
                );
            }
            _close(uint32(p), int24(tick));
            ReferenceOracle.record(ref, p, tick);
            // with close i stored
            uint32 asOfStored = uint32(_asOfNear(r >> 224, p, p));
            _checkAgainstReference(ReferenceOracle.features(ref, asOfStored), false, 0, 0, asOfStored);
        }
    }

    // ------------------------------------------------------------ cross-language vectors

    /// @dev Features computed by model/oracle.ts (featuresAsOf, the last close pending), pinned here so the
    /// Solidity oracle and the TypeScript one that training, the keeper and the prover use cannot drift apart
    /// even where no ffi runs. Each one can be printed again (ABI-encoded uint256[5]) with e.g.
    ///   node --import tsx test/sol/ffi/model.ts closes 1000,1001,1003,1010,1050 0,5,-20,-20,1000 1060
    function test_pinnedVectors_modelOracleTs() public {
        uint32[] memory p = _u32s5(1000, 1001, 1003, 1010, 1050);
        int24[] memory t = _i24s5(0, 5, -20, -20, 1000);
        _checkPinned(p, t, 1003, [uint256(66120044), 59086209, 57366763, 56939764, 56833033]);
        _checkPinned(p, t, 1010, [uint256(9680390), 15124178, 16562495, 16920320, 17009387]);
        _checkPinned(p, t, 1049, [uint256(9255), 1115077, 2706058, 3273235, 3425653]);
        _checkPinned(p, t, 1050, [uint256(43400555515), 13061131850, 7028777762, 5827564561, 5548999098]);
        _checkPinned(p, t, 1060, [uint256(7671116401), 8100386609, 5518989433, 4789393079, 4608445049]);

        p = new uint32[](2);
        t = new int24[](2);
        (p[0], p[1], t[0], t[1]) = (0, 1, -400_000, 400_000);
        _checkPinned(p, t, 1, [FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX]);
        _checkPinned(p, t, 10_000, [uint256(0), 0, 0, 0, 316363937]);

        p = new uint32[](3);
        t = new int24[](3);
        (p[0], p[1], p[2], t[0], t[1], t[2]) = (5, 6, 6 + 65 * 1024, 100, 90, 95);
        _checkPinned(p, t, 6, [uint256(26214399), 26214386, 26214384, 26214301, 26213567]);
        _checkPinned(p, t, 7, [uint256(11974377), 12823323, 13036205, 13089343, 13101610]);
        _checkPinned(p, t, 6 + 65 * 1024 - 1, [uint256(0), 0, 0, 0, 0]);
        _checkPinned(p, t, 6 + 65 * 1024, [uint256(1042701), 277851, 70595, 17720, 4434]);
        _checkPinned(p, t, 6 + 65 * 1024 + 3, [uint256(619993), 243988, 68338, 17576, 4425]);

        p = _walkPeriods();
        t = _walkTicks();
        _checkPinned(p, t, 28333681, [uint256(288093973), 121821015, 190390737, 207445872, 202721229]);
        _checkPinned(p, t, 28333688, [uint256(85650850), 89954230, 176480195, 202787807, 200086801]);
    }

    /// @dev The same as the pinned vectors, live: model/oracle.ts through ffi on a random history
    function test_parity_modelOracleTsLive() public {
        uint32[] memory p = new uint32[](60);
        int24[] memory t = new int24[](60);
        uint256 period = 5_000_000;
        int256 tick;
        for (uint256 i; i < 60; ++i) {
            uint256 r = uint256(keccak256(abi.encode("live", i)));
            period += r % 5 == 0 ? 1 + r % 3000 : 1 + r % 3;
            tick = r % 7 == 0 ? tick : _clamp(tick + int256((r >> 64) % 3001) - 1500);
            (p[i], t[i]) = (uint32(period), int24(tick));
        }
        for (uint256 back; back < 3; ++back) {
            uint32 asOf = p[59] + 2 - uint32(back);
            string[] memory cmd = new string[](8);
            (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4]) = ("node", "--import", "tsx", "test/sol/ffi/model.ts", "closes");
            (cmd[5], cmd[6], cmd[7]) = (_csv(p), _csv(t), vm.toString(asOf));
            _assertFeatures(_replay(p, t, asOf), abi.decode(vm.ffi(cmd), (uint256[5])));
        }
    }

    // ------------------------------------------------------------ helpers

    /// @dev Records the close `(p, tick)` the way the hook does
    function _close(uint32 p, int24 tick) internal {
        bool moved;
        (word, moved) = oracle.record(word, hasClose, lastTick, p, tick);
        if (moved) (hasClose, lastTick) = (true, tick);
        else assertTrue(hasClose && tick == lastTick, "only a close at the last tick records nothing");
    }

    /// @dev Features as of `asOf` with the last of the closes pending, from the stored state of the others
    function _replay(uint32[] memory periods, int24[] memory ticks, uint32 asOf) internal returns (uint256[5] memory) {
        (word, hasClose, lastTick) = (1, false, 0);
        for (uint256 i; i + 1 < periods.length; ++i) {
            _close(periods[i], ticks[i]);
        }
        uint256 last = periods.length - 1;
        return oracle.features(word, hasClose, lastTick, true, periods[last], ticks[last], asOf);
    }

    function _checkPinned(uint32[] memory periods, int24[] memory ticks, uint32 asOf, uint256[5] memory expected)
        internal
    {
        _assertFeatures(_replay(periods, ticks, asOf), expected);
        _assertFeatures(_referenceFeatures(periods, ticks, asOf), expected);
    }

    /// @dev Compares the library on the current state, as the hook calls it, with the reference's answer for
    /// one as-of period
    function _checkAgainstReference(
        ReferenceOracle.Features memory expected,
        bool hasPending,
        uint32 pendingPeriod,
        int24 pendingTick,
        uint32 asOf
    ) internal {
        if (expected.superseded) {
            vm.expectRevert(
                abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, asOf, uint32(expected.statePeriod))
            );
        }
        uint256[5] memory actual =
            oracle.features(word, hasClose, lastTick, hasPending, pendingPeriod, pendingTick, asOf);
        if (!expected.superseded) _assertFeatures(actual, expected.values);
    }

    /// @dev An as-of period near the state: a little before `lo`, between `lo` and `hi`, or after `hi`
    function _asOfNear(uint256 r, uint256 lo, uint256 hi) internal pure returns (uint256) {
        uint256 kind = r % 4;
        if (kind == 0) return lo - ((r >> 8) % 3 > lo ? lo : (r >> 8) % 3);
        if (kind == 1) return lo + (r >> 8) % (hi - lo + 1);
        if (kind == 2) return hi + (r >> 8) % 20;
        return hi + (r >> 8) % 200_000;
    }

    function _reference(uint32[4] memory periods, int24[4] memory ticks) internal pure returns (uint256[5] memory) {
        ReferenceOracle.State memory s;
        for (uint256 i; i < 4; ++i) {
            ReferenceOracle.record(s, periods[i], ticks[i]);
        }
        return s.variances;
    }

    function _referenceFeatures(uint32[3] memory periods, int24[3] memory ticks, uint256 asOf)
        internal
        pure
        returns (uint256[5] memory)
    {
        ReferenceOracle.State memory s;
        for (uint256 i; i < 3; ++i) {
            ReferenceOracle.record(s, periods[i], ticks[i]);
        }
        return ReferenceOracle.features(s, asOf).values;
    }

    function _referenceFeatures(uint32[] memory periods, int24[] memory ticks, uint256 asOf)
        internal
        pure
        returns (uint256[5] memory)
    {
        ReferenceOracle.Features memory f = ReferenceOracle.featuresOfCloses(periods, ticks, asOf);
        assertFalse(f.superseded);
        return f.values;
    }

    /// @dev A_k d^2 at scale 2^18 (floored), what a move of d adds to variance k
    function _innovation(uint256 k, int256 d) internal pure returns (uint256) {
        return ((ONE - ReferenceOracle.lambda(k)) * uint256(d * d)) >> 46;
    }

    /// @dev (x / 2^64)^e for e a power of two, at scale 2^128, every product rounded down or up
    function _powQ128(uint256 x, uint256 e, bool roundUp) internal pure returns (uint256 r) {
        r = x << 64;
        for (; e > 1; e /= 2) {
            r = roundUp ? (r * r + 2 ** 128 - 1) >> 128 : (r * r) >> 128;
        }
    }

    function _statePeriod(uint256 w) internal pure returns (uint256) {
        return uint32(w >> 190);
    }

    function _firstPeriod(uint256 w) internal pure returns (uint256) {
        return uint32(w >> 222);
    }

    function _assertVariances(uint256 w, uint256[5] memory expected) internal pure {
        for (uint256 k; k < 5; ++k) {
            assertEq(VarianceOracle.variance(w, k), expected[k], string.concat("variance ", vm.toString(k)));
        }
    }

    function _assertFeatures(uint256[5] memory actual, uint256[5] memory expected) internal pure {
        for (uint256 k; k < 5; ++k) {
            assertEq(actual[k], expected[k], string.concat("feature ", vm.toString(k)));
        }
    }

    function _clamp(int256 tick) internal pure returns (int256) {
        return tick > MAX_TICK ? MAX_TICK : tick < -MAX_TICK ? -MAX_TICK : tick;
    }

    function _u32s5(uint32 a, uint32 b, uint32 c, uint32 d, uint32 e) internal pure returns (uint32[] memory r) {
        r = new uint32[](5);
        (r[0], r[1], r[2], r[3], r[4]) = (a, b, c, d, e);
    }

    function _i24s5(int24 a, int24 b, int24 c, int24 d, int24 e) internal pure returns (int24[] memory r) {
        r = new int24[](5);
        (r[0], r[1], r[2], r[3], r[4]) = (a, b, c, d, e);
    }

    function _csv(uint32[] memory v) internal pure returns (string memory s) {
        s = vm.toString(v[0]);
        for (uint256 i = 1; i < v.length; ++i) {
            s = string.concat(s, ",", vm.toString(v[i]));
        }
    }

    function _csv(int24[] memory v) internal pure returns (string memory s) {
        s = vm.toString(int256(v[0]));
        for (uint256 i = 1; i < v.length; ++i) {
            s = string.concat(s, ",", vm.toString(int256(v[i])));
        }
    }

    /// @dev A 40-close walk of a pool near tick 200,000 with gaps of 1-30 periods (the fourth pinned vector)
    function _walkPeriods() internal pure returns (uint32[] memory p) {
        uint32[40] memory v = [
            uint32(28333020), 28333039, 28333060, 28333066, 28333088, 28333111, 28333135, 28333153, 28333160, 28333187,
            28333191, 28333213, 28333222, 28333250, 28333263, 28333288, 28333293, 28333305, 28333335, 28333358,
            28333372, 28333397, 28333414, 28333436, 28333454, 28333475, 28333496, 28333508, 28333521, 28333534,
            28333542, 28333563, 28333572, 28333585, 28333610, 28333627, 28333646, 28333647, 28333661, 28333681
        ];
        p = new uint32[](40);
        for (uint256 i; i < 40; ++i) {
            p[i] = v[i];
        }
    }

    function _walkTicks() internal pure returns (int24[] memory t) {
        int24[40] memory v = [
            int24(199922), 200121, 200190, 200344, 200475, 200410, 200287, 200180, 200295, 200433,
            200421, 200367, 200314, 200463, 200434, 200303, 200230, 200232, 200219, 200109,
            200259, 200182, 200321, 200165, 200001, 199961, 199862, 199822, 200000, 199809,
            199662, 199464, 199376, 199263, 199255, 199395, 199475, 199497, 199501, 199418
        ];
        t = new int24[](40);
        for (uint256 i; i < 40; ++i) {
            t[i] = v[i];
        }
    }
}
