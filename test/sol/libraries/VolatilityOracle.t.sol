// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {VolatilityOracle, OBSERVATION_CAPACITY} from "../../../contracts/libraries/VolatilityOracle.sol";
import {ReferenceOracle} from "../utils/ReferenceOracle.sol";

contract VolatilityOracleHarness {
    using VolatilityOracle for VolatilityOracle.Observation[OBSERVATION_CAPACITY];

    VolatilityOracle.Observation[OBSERVATION_CAPACITY] internal ring;
    uint256 public count;

    function write(uint32 period, int24 tick) external {
        ring.write(count, period, tick);
        ++count;
    }

    /// @dev Stands in for a ring that has been written `count_` times, ending in `last`
    function seed(uint256 count_, VolatilityOracle.Observation calldata last) external {
        count = count_;
        ring[(count_ - 1) % OBSERVATION_CAPACITY] = last;
    }

    function next(uint32 period, int24 tick) external view returns (VolatilityOracle.Observation memory) {
        return ring.next(count, period, tick);
    }

    /// @dev The window memo of the last `features` call, fed to the next one as the hook does
    uint256 public memo;

    function features(bool hasPending, uint32 pendingPeriod, int24 pendingTick, uint32 asOf)
        external
        returns (uint256[12] memory f)
    {
        (f, memo) = ring.features(count, hasPending, pendingPeriod, pendingTick, asOf, memo);
    }

    function forgetMemo() external {
        memo = 0;
    }

    function prefill(uint256 from, uint256 to) external {
        ring.prefill(count, from, to);
    }

    function slot(uint256 i) external view returns (VolatilityOracle.Observation memory) {
        return ring[i];
    }
}

contract VolatilityOracleTest is Test {
    VolatilityOracleHarness oracle;

    int24 constant MAX_TICK = 887272;

    function setUp() public {
        oracle = new VolatilityOracleHarness();
    }

    function test_next_firstObservationHasZeroSums() public view {
        VolatilityOracle.Observation memory o = oracle.next(7, -500);
        assertEq(o.period, 7);
        assertEq(o.tick, -500);
        assertEq(o.cumUp, 0);
        assertEq(o.cumDown, 0);
    }

    function test_write_accumulatesSquaredMovesBySign() public {
        oracle.write(1, 10);
        oracle.write(2, 13); // +3
        oracle.write(4, 9); // -4
        oracle.write(5, 9); // 0
        oracle.write(9, -MAX_TICK); // -(887281)
        VolatilityOracle.Observation memory o = oracle.slot(4);
        assertEq(o.period, 9);
        assertEq(o.tick, -MAX_TICK);
        assertEq(o.cumUp, 9);
        assertEq(o.cumDown, 16 + uint96(887281) * 887281);
        assertEq(oracle.count(), 5);
    }

    function test_next_wrapsCumulativeSumsModulo2To96() public {
        oracle.seed(1000, VolatilityOracle.Observation(50, 0, type(uint96).max - 1, type(uint96).max));
        VolatilityOracle.Observation memory o = oracle.next(51, 2);
        assertEq(o.cumUp, 2); // 2^96 - 2 + 4
        o = oracle.next(51, -3);
        assertEq(o.cumDown, 8); // 2^96 - 1 + 9
    }

    /// @dev Windows whose boundary lies after a wrap of the cumulative sums still difference exactly
    function test_features_exactAcrossWrappedSums() public {
        oracle.seed(1000, VolatilityOracle.Observation(50, 0, type(uint96).max - 1, type(uint96).max - 3));
        oracle.write(51, 3); // up 9: wraps
        oracle.write(52, 1); // down 4: wraps
        oracle.write(53, 11); // up 100
        uint256[12] memory f = oracle.features(true, 55, 5, 55); // pending: down 36
        assertEq(f[0], 0); // up_1: period 55 went down
        assertEq(f[4], 36);
        assertEq(f[8], 1);
        assertEq(f[1], 109); // up_5: periods 51..55
        assertEq(f[5], 40);
        assertEq(f[9], 4);
    }

    function test_features_emptyIsZero() public {
        uint256[12] memory f = oracle.features(false, 0, 0, 1000);
        for (uint256 i; i < 12; ++i) {
            assertEq(f[i], 0);
        }
    }

    function test_features_firstObservationCountsButAddsNoVariance() public {
        uint256[12] memory f = oracle.features(true, 100, 5000, 100);
        assertEq(f[0], 0);
        assertEq(f[4], 0);
        for (uint256 j; j < 4; ++j) {
            assertEq(f[8 + j], 1);
        }
    }

    function test_features_saturateAt2To32Minus1() public {
        oracle.write(10, -100_000);
        oracle.write(11, 100_000); // 4e10 up
        uint256[12] memory f = oracle.features(false, 0, 0, 11);
        assertEq(f[0], type(uint32).max);
        assertEq(f[3], type(uint32).max);
        assertEq(f[4], 0);
        oracle.write(12, 100_000 - 65_535); // 65535^2 < 2^32 - 1
        f = oracle.features(false, 0, 0, 12);
        assertEq(f[4], uint256(65_535) * 65_535);
        assertEq(f[0], 0);
        assertEq(f[1], type(uint32).max);
    }

    /// @dev A window boundary at a period with no observation, and windows reaching before period 0
    function test_features_sparseAndEarlyPeriods() public {
        oracle.write(0, 0);
        oracle.write(3, 10);
        oracle.write(250, 20);
        oracle.write(251, 25);
        uint256[12] memory f = oracle.features(false, 0, 0, 253);
        // h=1: (252,253] nothing; h=5: 249..253 -> 250, 251; h=30 same; h=240: 14..253 -> 250, 251
        assertEq(f[8], 0);
        assertEq(f[9], 2);
        assertEq(f[10], 2);
        assertEq(f[11], 2);
        assertEq(f[1], 100 + 25);
        assertEq(f[3], 125);
        f = oracle.features(false, 0, 0, 239);
        assertEq(f[11], 2); // periods 0 and 3, reaching back before period 0
        assertEq(f[3], 100);
    }

    function test_features_revertWhenTheWindowIsOverwritten() public {
        for (uint32 p = 1; p <= 400; ++p) {
            oracle.write(p, int24(int32(p % 7)));
        }
        // as of the last stored period, a 240-period window reaches 241 entries back: still stored
        oracle.features(false, 0, 0, 400);
        // 16 periods further back it would need entry 400 - 256 - 1
        vm.expectRevert(VolatilityOracle.ObservationOverwritten.selector);
        oracle.features(false, 0, 0, 384);
    }

    /// @dev The hook's case: as of any period at most 15 behind the current one, with the last stored or
    /// pending observation before the current period, after any history, the ring suffices and the
    /// features equal the naive reference. Computations along the way leave window memos behind, as the
    /// hook's updates do, which later ones use.
    function testFuzz_features_matchReference(uint256 seed, uint16 n, uint8 staleness, bool hasPending) public {
        n = uint16(bound(n, 1, 600));
        (uint32[] memory periods, int24[] memory ticks) = _history(seed, n);
        uint256 stored = hasPending ? n - 1 : n;
        for (uint256 i; i < stored; ++i) {
            oracle.write(periods[i], ticks[i]);
            uint256 r = uint256(keccak256(abi.encode(seed, "check", i)));
            if (r % 5 != 0 || i + 1 == n) continue;
            // as of a period before the next observation's, which is not there yet
            uint32 back = uint32(bound(r >> 8, 1, 15));
            if (back > periods[i + 1]) continue;
            uint32 asOf = periods[i + 1] - back;
            (uint32[] memory p, int24[] memory t) = _prefix(periods, ticks, i + 1);
            _assertFeatures(oracle.features(false, 0, 0, asOf), ReferenceOracle.features(p, t, asOf));
        }
        uint32 current = periods[n - 1] + 1 + uint32(bound(staleness, 0, 14));
        for (uint32 back = 1; back <= 15 && back <= current; ++back) {
            uint32 asOf = current - back;
            _assertFeatures(
                oracle.features(hasPending, periods[n - 1], ticks[n - 1], asOf),
                ReferenceOracle.features(periods, ticks, asOf)
            );
        }
    }

    /// @dev The memo narrows the searches but never changes a result, forward or backward in as-of periods
    function testFuzz_features_memoChangesNothing(uint256 seed, uint16 n, uint32 first, uint32 second) public {
        n = uint16(bound(n, 1, 400));
        (uint32[] memory periods, int24[] memory ticks) = _history(seed, n);
        for (uint256 i; i < n; ++i) {
            oracle.write(periods[i], ticks[i]);
        }
        uint32 last = periods[n - 1];
        first = uint32(bound(first, last > 200 ? last - 200 : 0, last + 20));
        second = uint32(bound(second, last > 200 ? last - 200 : 0, last + 20));
        try oracle.features(false, 0, 0, first) {
            oracle.forgetMemo();
        } catch {}
        try oracle.features(false, 0, 0, second) returns (uint256[12] memory fresh) {
            try oracle.features(false, 0, 0, first) {} catch {}
            _assertFeatures(oracle.features(false, 0, 0, second), fresh);
        } catch {}
    }

    /// @dev Any other as-of period either gives the reference features or reverts; it never reads garbage
    function testFuzz_features_matchReferenceOrRevert(uint256 seed, uint16 n, uint32 asOf) public {
        n = uint16(bound(n, 1, 700));
        (uint32[] memory periods, int24[] memory ticks) = _history(seed, n);
        for (uint256 i; i < n; ++i) {
            oracle.write(periods[i], ticks[i]);
        }
        asOf = uint32(bound(asOf, periods[0] > 300 ? periods[0] - 300 : 0, periods[n - 1] + 300));
        try oracle.features(false, 0, 0, asOf) returns (uint256[12] memory f) {
            _assertFeatures(f, ReferenceOracle.features(periods, ticks, asOf));
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), VolatilityOracle.ObservationOverwritten.selector);
            assertGt(n, OBSERVATION_CAPACITY);
        }
    }

    function test_prefill_placeholdersOnlyInUnwrittenSlots() public {
        oracle.write(0, 0);
        oracle.write(1, 5);
        oracle.prefill(0, 4);
        assertEq(oracle.slot(0).period, 0); // a real observation, untouched
        assertEq(oracle.slot(1).period, 1);
        assertEq(oracle.slot(1).tick, 5);
        assertEq(oracle.slot(2).period, 1);
        assertEq(oracle.slot(3).period, 1);
        assertEq(oracle.slot(4).period, 0);
        oracle.prefill(250, 1000); // clamped to the ring
        assertEq(oracle.slot(255).period, 1);
        oracle.write(2, 7);
        assertEq(oracle.slot(2).period, 2);
        assertEq(oracle.slot(2).tick, 7);
        assertEq(oracle.slot(2).cumUp, 29);
    }

    function test_prefill_makesTheNextWriteCheap() public {
        oracle.write(0, 0);
        oracle.write(1, 5);
        uint256 fresh = gasleft();
        oracle.write(2, 7);
        fresh -= gasleft();
        oracle.prefill(3, 4);
        uint256 prefilled = gasleft();
        oracle.write(3, 9);
        prefilled -= gasleft();
        assertGt(fresh, prefilled + 15_000);
    }

    /// @dev A random history: strictly increasing periods in dense, sparse or mixed regimes; ticks that
    /// mostly wander a little and sometimes jump anywhere in the tick range
    function _history(uint256 seed, uint256 n) internal pure returns (uint32[] memory periods, int24[] memory ticks) {
        periods = new uint32[](n);
        ticks = new int24[](n);
        uint256 regime = seed % 4;
        uint32 p = uint32(bound(seed >> 8, 0, 5_000_000));
        int256 tick = int256(bound(seed >> 40, 0, 200_000)) - 100_000;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 gap =
                regime == 0 ? 1 : regime == 1 ? 1 + r % 3 : regime == 2 ? 1 + r % 60 : (r % 5 == 0 ? 1 + r % 400 : 1);
            if (i > 0) p += uint32(gap);
            if ((r >> 64) % 16 == 0) tick = int256((r >> 80) % (2 * uint256(uint24(MAX_TICK)) + 1)) - MAX_TICK;
            else tick = _clamp(tick + int256((r >> 96) % 2001) - 1000);
            periods[i] = p;
            ticks[i] = int24(tick);
        }
    }

    function _prefix(uint32[] memory periods, int24[] memory ticks, uint256 len)
        internal
        pure
        returns (uint32[] memory p, int24[] memory t)
    {
        p = new uint32[](len);
        t = new int24[](len);
        for (uint256 i; i < len; ++i) {
            (p[i], t[i]) = (periods[i], ticks[i]);
        }
    }

    function _assertFeatures(uint256[12] memory actual, uint256[12] memory expected) internal pure {
        for (uint256 i; i < 12; ++i) {
            assertEq(actual[i], expected[i], string.concat("feature ", vm.toString(i)));
        }
    }

    function _clamp(int256 tick) internal pure returns (int256) {
        return tick > MAX_TICK ? MAX_TICK : tick < -MAX_TICK ? -MAX_TICK : tick;
    }
}
