// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {ExpectingVerifierPoolFixture} from "../utils/ExpectingVerifierPoolFixture.sol";

/// @notice forecastOf: the hook keeps the forecast that set each pool's fee, with its as-of period, model and
/// horizon, and says when it no longer sets the fee. The hook's logic against a verifier that accepts exactly
/// the expected public signals; the real verifier and a real proof in ProvenFeeHookForecastProofTest below.
/// Its own FOUNDRY_PROFILE (forecast): solcjs cannot compile it in one job with every other test (foundry.toml).
contract ProvenFeeHookForecastTest is ExpectingVerifierPoolFixture {
    function setUp() public {
        _deployPoolOnExpectingVerifier();
        _swapTo(key, 40);
        _warpPeriods(key, 1);
        _swapTo(key, -25);
        _warpPeriods(key, 1);
    }

    function test_forecastOf_beforeAnyUpdate_isNoneAndNotLive() public view {
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertEq(f.asOfPeriod, 0, "no update yet");
        assertEq(f.forecast, 0);
        assertFalse(f.live, "the pool is on its fallback fee");
        assertEq(f.commitment, MODEL);
        assertEq(f.currentPeriod, _currentPeriod(key));
        assertEq(f.period, 60);
    }

    function test_forecastOf_isWhatTheUpdateProved() public {
        uint32 asOf = _currentPeriod(key) - 1;
        uint64 forecast = 123_456_789_012;
        _acceptedUpdate(asOf, 7_777, forecast);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertEq(f.forecast, forecast);
        assertEq(f.asOfPeriod, asOf);
        assertEq(_lpFee(key), 7_777, "the fee set with it");
        assertEq(f.commitment, MODEL);
        assertEq(f.horizon, 30, "the registered horizon");
        assertTrue(f.live);
        assertEq(f.currentPeriod, asOf + 1);

        // the largest forecast the lane holds survives the packing
        _warpPeriods(key, 1);
        _acceptedUpdate(asOf + 1, FEE_MAX, 2 ** 38 - 1);
        f = hook.forecastOf(id);
        assertEq(f.forecast, 2 ** 38 - 1);
        assertEq(f.asOfPeriod, asOf + 1);
    }

    /// @dev Any fee and forecast the hook accepts come back from forecastOf exactly, whatever was stored before
    function testFuzz_forecastOf_roundTrips(uint24 fee, uint64 forecast, uint24 fee2, uint64 forecast2) public {
        fee = uint24(bound(fee, FEE_MIN, FEE_MAX));
        fee2 = uint24(bound(fee2, FEE_MIN, FEE_MAX));
        forecast = uint64(bound(forecast, 0, 2 ** 38 - 1));
        forecast2 = uint64(bound(forecast2, 0, 2 ** 38 - 1));
        uint32 asOf = _currentPeriod(key) - 1;
        _acceptedUpdate(asOf, fee, forecast);
        _warpPeriods(key, 3);
        _acceptedUpdate(asOf + 2, fee2, forecast2);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertEq(abi.encode(f.forecast, f.asOfPeriod, _lpFee(key)), abi.encode(forecast2, asOf + 2, fee2));
        // the rest of the state slot it shares is intact
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        assertEq(abi.encode(s.maxStalenessPeriods, s.livenessPeriods, s.fallbackFee, s.hasClose), abi.encode(15, LIVENESS, FALLBACK_FEE, true));
        assertEq(s.lastCloseTick, 40, "the close recorded by the swap into -25");
    }

    function test_forecastOf_staleIsVisible_andFallbackIsNotLive() public {
        uint32 asOf = _currentPeriod(key) - 1;
        _acceptedUpdate(asOf, 7_777, 4242);
        _warpPeriods(key, LIVENESS - 1);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertTrue(f.live, "still setting the fee");
        assertEq(f.currentPeriod - f.asOfPeriod, LIVENESS, "how stale, for the consumer to judge");

        // the liveness window has passed: not live even before a swap has switched the fee
        _warpPeriods(key, 1);
        f = hook.forecastOf(id);
        assertFalse(f.live);
        assertEq(f.forecast, 4242, "the last proven forecast is kept");
        assertEq(f.asOfPeriod, asOf);
        _swapTo(key, 3);
        assertEq(_lpFee(key), FALLBACK_FEE);
        f = hook.forecastOf(id);
        assertFalse(f.live);

        // a fresh update makes it live again
        _acceptedUpdate(_currentPeriod(key) - 1, 9_000, 5151);
        f = hook.forecastOf(id);
        assertTrue(f.live);
        assertEq(f.forecast, 5151);
    }

    function test_forecastOf_keepsTheModelThatProducedIt() public {
        hook.registerModel(MODEL_2, 60, 45, "");
        uint32 asOf = _currentPeriod(key) - 1;
        _acceptedUpdate(asOf, 7_777, 4242);
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(key);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertEq(f.commitment, MODEL, "proven by the previous model");
        assertEq(f.horizon, 30, "the previous model's horizon");

        // a second change before any update: the forecast is still the first model's
        hook.registerModel(0x3badc0ffee, 60, 10, "");
        vm.prank(admin);
        hook.proposeModel(key, 0x3badc0ffee);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(key);
        assertEq(hook.forecastOf(id).commitment, MODEL);

        _acceptedUpdate(_currentPeriod(key) - 1, 8_000, 99);
        f = hook.forecastOf(id);
        assertEq(f.commitment, 0x3badc0ffee, "proven by the model now in force");
        assertEq(f.horizon, 10);
        assertEq(f.forecast, 99);
    }

    function test_forecastOf_modelChangeBeforeAnyUpdate_namesTheNewModel() public {
        hook.registerModel(MODEL_2, 60, 45, "");
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(key);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(id);
        assertEq(f.asOfPeriod, 0);
        assertEq(f.commitment, MODEL_2);
    }

    function test_modelHorizon_isTheAgreedClaim_orZeroWhenDisputed() public {
        assertEq(hook.modelHorizon(MODEL, 60), 30);
        assertEq(hook.modelHorizon(MODEL, 30), 0, "not registered for that period");
        hook.registerModel(MODEL, 60, 30, "again, agreeing");
        assertEq(hook.modelHorizon(MODEL, 60), 30);
        hook.registerModel(MODEL, 60, 31, "disagreeing");
        assertEq(hook.modelHorizon(MODEL, 60), 0, "disputed: unknown, never the wrong one");
        hook.registerModel(MODEL, 60, 30, "");
        assertEq(hook.modelHorizon(MODEL, 60), 0, "a dispute stays");
        _acceptedUpdate(_currentPeriod(key) - 1, 7_777, 4242);
        assertEq(hook.forecastOf(id).horizon, 0);
    }

    function test_registerModel_revertsForZeroHorizon() public {
        vm.expectRevert(ProvenFeeHook.HorizonZero.selector);
        hook.registerModel(MODEL_2, 60, 0, "");
    }

    function test_forecastOf_revertsForUnknownPool() public {
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.forecastOf(_keyFor(hook, 10).toId());
    }

    function test_forecastOf_refusedUpdateLeavesItAlone() public {
        uint32 asOf = _currentPeriod(key) - 1;
        _acceptedUpdate(asOf, 7_777, 4242);
        _warpPeriods(key, 1);
        bytes memory before = abi.encode(hook.forecastOf(id));
        // a proof the verifier refuses (it expects the signals of another fee)
        _expectUpdate(asOf + 1, 8_000, 1);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _sendUpdate(asOf + 1, 8_001, 1);
        assertEq(abi.encode(hook.forecastOf(id)), before);
    }
}

/// @notice With the real verifier and a real proof of the shipped model: the stored forecast is the proven one
contract ProvenFeeHookForecastProofTest is ProvenFeeFixture {
    function setUp() public {
        _realVerifierPoolWithSwaps();
    }

    function test_forecastOf_realProof() public {
        uint32 asOf = _currentPeriod(key) - 1;
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
        assertGt(p.forecast, 0);
        _updateFee(hook, key, asOf, p);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(key.toId());
        assertEq(f.forecast, p.forecast);
        assertEq(f.asOfPeriod, asOf);
        assertEq(f.commitment, vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".commitment"));
        assertEq(f.horizon, vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".horizon"));
        assertTrue(f.live);
    }
}
