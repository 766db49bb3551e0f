// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Vm} from "forge-std/Vm.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {ProvenFeeHook} from "../../contracts/ProvenFeeHook.sol";
import {VarianceOracle} from "../../contracts/libraries/VarianceOracle.sol";
import {IGroth16Verifier} from "../../contracts/interfaces/IGroth16Verifier.sol";
import {ProvenFeeFixture} from "./utils/ProvenFeeFixture.sol";

/// @notice Dust cannot move the fee (issue 11, SPEC §1 "Dust cannot move it"): two pools of the real hook on the
/// real PoolManager follow the same price path, real swaps to the same ticks in the same periods, and one of
/// them also takes a 100-wei swap in every period the other leaves idle. Their features as of every period
/// are the same, and real proofs of the shipped model give both the same fee and forecast.
contract ProvenFeeHookDustTest is ProvenFeeFixture {
    using StateLibrary for IPoolManager;

    int256 constant DUST = 100;

    PoolKey quiet;
    PoolKey dusty;
    uint256 dustSwaps;
    /// @dev As-of periods that the dusty pool no longer answers while the quiet one still does (see below)
    uint256 supersededEarly;

    function setUp() public {
        _deployInfrastructure();
        hook = _deployHook(IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier")), 0x6666);
        uint256 commitment = _register(DEFAULT_MODEL);
        quiet = _keyFor(hook, 60);
        dusty = _keyFor(hook, 30);
        _createPool(hook, quiet, _config(commitment));
        _createPool(hook, dusty, _config(commitment));
    }

    function test_dust_changesNoFeatureAndNoProvenFee() public {
        int24 tick;
        uint256 proofs;
        for (uint256 i; i < 120; ++i) {
            uint256 r = uint256(keccak256(abi.encode("dust", i)));
            // trading stretches and idle stretches of up to 20 periods, and one of 40 (the liveness window is 30)
            bool trades = i < 3 || (i >= 60 && i < 100 ? false : (i / 10) % 2 == 0 ? r % 4 != 0 : r % 5 == 0);
            // somewhere inside period i (each iteration starts at a period boundary)
            vm.warp(block.timestamp + r % 60);
            if (trades) {
                // a third of the traded periods close where the last one did
                if (r % 3 != 0) tick += int24(int256((r >> 8) % 61) - 30);
                _swapBoth(tick);
                if ((r >> 16) % 4 == 0) _swapBoth(tick + 7); // a second swap in the period, then back
                if ((r >> 16) % 4 == 0) _swapBoth(tick);
            } else {
                _dust();
            }
            vm.warp((block.timestamp / 60 + 1) * 60);
            _compareRecentFeatures();
            // proofs after a traded period, inside the long idle stretch and after it, and at the end
            if (i == 20 || i == 75 || i == 99 || i == 119) {
                _proveBothAndUpdate();
                ++proofs;
            }
        }
        assertEq(proofs, 4);
        assertGt(dustSwaps, 50, "dust in every idle period");
        assertGt(supersededEarly, 0, "the one difference was exercised");
        emit log_named_uint("dust swaps", dustSwaps);
        emit log_named_uint("as-of periods superseded early by dust", supersededEarly);
    }

    /// @dev The one thing dust does change: the first swap after a traded period L records L's close (a real
    /// move) at once, where the quiet pool keeps it pending until its next trade. Both then report the same
    /// features as of L and later, but as of a period before L the dusty pool reverts PeriodSuperseded while the
    /// quiet one still answers. Any swap in any amount does the same, and an update as of the latest
    /// completed period (what a keeper proves) never meets it.
    function test_dust_recordsThePendingCloseEarly() public {
        _swapBoth(0);
        _warpPeriods(quiet, 1);
        _swapBoth(40);
        uint32 traded = _currentPeriod(quiet);
        _warpPeriods(quiet, 1);
        _dust(); // records the close of `traded` (40) in the dusty pool
        _warpPeriods(quiet, 1);
        (bool exists, uint32 period, int24 tick) = hook.pendingClose(quiet);
        assertTrue(exists);
        assertEq(abi.encode(period, tick), abi.encode(traded, int24(40)));
        hook.featuresAsOf(quiet, traded - 1);
        vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, traded - 1, traded));
        hook.featuresAsOf(dusty, traded - 1);
        for (uint32 asOf = traded; asOf < _currentPeriod(quiet); ++asOf) {
            _assertFeatures(hook.featuresAsOf(dusty, asOf), hook.featuresAsOf(quiet, asOf));
        }
    }

    /// @dev The same real swap in both pools, to `tick`
    function _swapBoth(int24 tick) internal {
        _swapTo(quiet, tick);
        replay.swapToTick(dusty, tick);
        assertEq(_tick(quiet), tick);
        assertEq(_tick(dusty), tick);
    }

    /// @dev A 100-wei exact-in swap of token1 in the dusty pool, checked to have really executed (the
    /// PoolManager swapped and emitted it, the price moved, the hook saw it) without moving the tick
    function _dust() internal {
        (uint160 priceBefore, int24 tickBefore,,) = manager.getSlot0(dusty.toId());
        vm.recordLogs();
        swap(dusty, false, -DUST, ZERO_BYTES);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool swapped;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IPoolManager.Swap.selector && logs[i].topics[1] == PoolId.unwrap(dusty.toId())) {
                (int128 amount0, int128 amount1,,,,) =
                    abi.decode(logs[i].data, (int128, int128, uint160, uint128, int24, uint24));
                assertEq(amount1, -DUST, "paid 100 wei of token1");
                assertGt(amount0, 0, "received some token0");
                swapped = true;
            }
        }
        assertTrue(swapped, "the PoolManager swapped");
        (uint160 priceAfter, int24 tickAfter,,) = manager.getSlot0(dusty.toId());
        assertGt(priceAfter, priceBefore, "the dust moved the price");
        assertEq(tickAfter, tickBefore, "but not the tick");
        assertEq(hook.poolState(dusty).lastSwapPeriod, _currentPeriod(dusty), "the hook saw the swap");
        ++dustSwaps;
    }

    /// @dev As of each of the last 15 periods the pools report the same features, or both revert alike, or the
    /// dusty pool has recorded the quiet one's pending close early (test_dust_recordsThePendingCloseEarly)
    function _compareRecentFeatures() internal {
        uint32 current = _currentPeriod(quiet);
        for (uint32 back = 1; back <= 15; ++back) {
            uint32 asOf = current - back;
            (bool quietOk, bytes memory quietResult) =
                address(hook).staticcall(abi.encodeCall(ProvenFeeHook.featuresAsOf, (quiet, asOf)));
            (bool dustyOk, bytes memory dustyResult) =
                address(hook).staticcall(abi.encodeCall(ProvenFeeHook.featuresAsOf, (dusty, asOf)));
            if (quietOk && dustyOk) {
                assertEq(dustyResult, quietResult, string.concat("as of ", vm.toString(asOf)));
                continue;
            }
            if (!quietOk && !dustyOk) {
                // superseded in both (the dusty pool's recorded move may be a later one)
                assertEq(bytes4(quietResult), VarianceOracle.PeriodSuperseded.selector);
                assertEq(bytes4(dustyResult), VarianceOracle.PeriodSuperseded.selector);
                continue;
            }
            assertTrue(quietOk, "the quiet pool cannot be superseded where the dusty one is not");
            ProvenFeeHook.PoolState memory q = hook.poolState(quiet);
            (bool hasClose, int24 lastCloseTick,,,) = hook.oracleState(quiet);
            (bool pending,, int24 pendingTick) = hook.pendingClose(quiet);
            assertTrue(
                pending && (!hasClose || pendingTick != lastCloseTick) && asOf < q.lastSwapPeriod,
                "only before a pending move"
            );
            assertEq(
                dustyResult,
                abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, asOf, q.lastSwapPeriod),
                "superseded by the quiet pool's pending close"
            );
            ++supersededEarly;
        }
    }

    /// @dev Real proofs of the shipped model as of the last completed period, for both pools: the same fee
    /// (the model's, inside its bounds) and forecast, and both updates land
    function _proveBothAndUpdate() internal {
        uint32 asOf = _currentPeriod(quiet) - 1;
        Proof memory q = _prove(DEFAULT_MODEL, quiet, asOf);
        Proof memory d = _prove(DEFAULT_MODEL, dusty, asOf);
        assertEq(d.fee, q.fee, "same proven fee");
        assertEq(d.forecast, q.forecast, "same proven forecast");
        assertGt(q.fee, FEE_MIN, "the model's fee, not the pool's lower bound");
        assertLt(q.fee, 10_000, "the model's fee, not its upper bound");
        _updateFee(hook, quiet, asOf, q);
        _updateFee(hook, dusty, asOf, d);
        assertEq(_lpFee(quiet), q.fee);
        assertEq(_lpFee(dusty), q.fee);
        emit log_named_uint(string.concat("proven fee as of period ", vm.toString(asOf)), q.fee);
    }
}
