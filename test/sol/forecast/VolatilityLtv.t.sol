// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {VolatilityLtv} from "../../../contracts/examples/VolatilityLtv.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {ExpectingVerifierPoolFixture} from "../utils/ExpectingVerifierPoolFixture.sol";

/// @notice The example consumer (contracts/examples/VolatilityLtv.sol) on a ProvenFeeHook pool on the real
/// PoolManager: its limit follows the proven forecast, and it refuses a missing, fallback, stale, foreign-model
/// or wrong-horizon forecast
contract VolatilityLtvTest is ExpectingVerifierPoolFixture {
    uint16 constant BASE_LTV = 8_000;
    uint16 constant MIN_LTV = 2_000;
    uint32 constant MAX_AGE = 5;

    VolatilityLtv market;

    function setUp() public {
        _deployPoolOnExpectingVerifier();
        _swapTo(key, 40);
        _warpPeriods(key, 1);
        market = new VolatilityLtv(hook, id, MODEL, 30, MAX_AGE, BASE_LTV, MIN_LTV, 300);
    }

    function test_maxLtv_followsTheProvenForecast() public {
        // forecast 2 * 5 at scale 2^32: variance 2^10 ticks^2, sigma 32 ticks; a 3-sigma haircut of 96 bp
        _update(5 << 33);
        assertEq(market.sigmaQ(), 32 << 33);
        assertEq(market.maxLtvBps(), BASE_LTV - 96);

        // half way to the next power in the piecewise-linear exp2: sigma 48 ticks, haircut 144 bp
        _warpPeriods(key, 1);
        _update((5 << 33) + (1 << 32));
        assertEq(market.sigmaQ(), 48 << 33);
        assertEq(market.maxLtvBps(), BASE_LTV - 144);

        // the largest forecast a proof can carry (SPEC §5: s < 24 * 2^33): the floor
        _warpPeriods(key, 1);
        _update(24 * 2 ** 33 - 1);
        assertEq(market.maxLtvBps(), MIN_LTV);

        // forecast 0: sigma one tick, a 3 bp haircut
        _warpPeriods(key, 1);
        _update(0);
        assertEq(market.maxLtvBps(), BASE_LTV - 3);
    }

    function testFuzz_maxLtv_isMonotoneInTheForecast(uint64 low, uint64 high) public {
        low = uint64(bound(low, 0, 24 * 2 ** 33 - 1));
        high = uint64(bound(high, low, 24 * 2 ** 33 - 1));
        _update(low);
        uint256 atLow = market.maxLtvBps();
        _warpPeriods(key, 1);
        _update(high);
        uint256 atHigh = market.maxLtvBps();
        assertLe(atHigh, atLow, "more volatility never lends more");
        assertGe(atHigh, MIN_LTV);
        assertLe(atLow, BASE_LTV);
    }

    function test_refusesWithoutAForecast() public {
        vm.expectRevert(VolatilityLtv.NoForecast.selector);
        market.maxLtvBps();
    }

    function test_refusesAStaleForecast() public {
        _update(5 << 33);
        _warpPeriods(key, MAX_AGE - 1);
        assertEq(market.maxLtvBps(), BASE_LTV - 96, "age MAX_AGE is fine");
        _warpPeriods(key, 1);
        vm.expectRevert(abi.encodeWithSelector(VolatilityLtv.ForecastStale.selector, MAX_AGE + 1, MAX_AGE));
        market.maxLtvBps();
    }

    function test_refusesTheFallback() public {
        // a market that tolerates any age still refuses once the pool's keeper has gone silent
        VolatilityLtv patient = new VolatilityLtv(hook, id, MODEL, 30, type(uint32).max, BASE_LTV, MIN_LTV, 300);
        _update(5 << 33);
        _warpPeriods(key, LIVENESS - 1);
        assertEq(patient.maxLtvBps(), BASE_LTV - 96);
        _warpPeriods(key, 1);
        vm.expectRevert(VolatilityLtv.ForecastNotLive.selector);
        patient.maxLtvBps();
    }

    function test_refusesAnotherModel() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        _update(5 << 33);
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(key);
        _update(5 << 33);
        vm.expectRevert(abi.encodeWithSelector(VolatilityLtv.ModelNotAccepted.selector, MODEL_2));
        market.maxLtvBps();
    }

    function test_refusesAnotherOrUnknownHorizon() public {
        _update(5 << 33);
        VolatilityLtv daily = new VolatilityLtv(hook, id, MODEL, 1440, MAX_AGE, BASE_LTV, MIN_LTV, 300);
        vm.expectRevert(abi.encodeWithSelector(VolatilityLtv.HorizonMismatch.selector, 30, 1440));
        daily.maxLtvBps();
        // registrations that disagree make the horizon unknown, which the market refuses too
        hook.registerModel(MODEL, 60, 31, "");
        vm.expectRevert(abi.encodeWithSelector(VolatilityLtv.HorizonMismatch.selector, 0, 30));
        market.maxLtvBps();
    }

    function test_constructor_refusesBadParameters() public {
        vm.expectRevert(VolatilityLtv.InvalidParameters.selector);
        new VolatilityLtv(hook, id, MODEL, 30, MAX_AGE, 5_000, 6_000, 300);
        vm.expectRevert(VolatilityLtv.InvalidParameters.selector);
        new VolatilityLtv(hook, id, MODEL, 30, MAX_AGE, 10_001, 0, 300);
        vm.expectRevert(VolatilityLtv.InvalidParameters.selector);
        new VolatilityLtv(hook, id, MODEL, 0, MAX_AGE, BASE_LTV, MIN_LTV, 300);
    }

    function test_unknownPool_revertsInTheHook() public {
        VolatilityLtv nowhere = new VolatilityLtv(hook, _keyFor(hook, 10).toId(), MODEL, 30, MAX_AGE, BASE_LTV, MIN_LTV, 300);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        nowhere.maxLtvBps();
    }

    /// @dev An update as of the last completed period with fee FEE_MIN and `forecast`, accepted by the verifier
    function _update(uint64 forecast) internal {
        _acceptedUpdate(_currentPeriod(key) - 1, FEE_MIN, forecast);
    }
}

/// @notice The consumer on a real proof: the sigma it derives from the proven forecast is the sigma the circuit
/// priced the proven fee with (SPEC §5: fee = clamp(base + slope * sigmaQ / 2^41))
contract VolatilityLtvProofTest is ProvenFeeFixture {
    function setUp() public {
        // Moves of up to 15 ticks a period: the default model's fee then lies inside its bounds (with the
        // fixture's 30 it is capped at modelFeeMax, which pins no sigma down)
        _realVerifierPoolWithSwaps(15);
    }

    function test_sigmaIsTheOneTheProvenFeeWasPricedWith() public {
        string memory json = vm.readFile(DEFAULT_MODEL);
        uint256 commitment = vm.parseJsonUint(json, ".commitment");
        VolatilityLtv market = new VolatilityLtv(hook, key.toId(), commitment, 30, 5, 8_000, 2_000, 300);
        uint32 asOf = _currentPeriod(key) - 1;
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
        _updateFee(hook, key, asOf, p);

        uint256 sigmaQ = market.sigmaQ();
        int256 base = vm.parseJsonInt(json, ".policy.base");
        uint256 slope = vm.parseJsonUint(json, ".policy.slope");
        uint256 raw = uint256(base * 2 ** 41 + int256(slope * sigmaQ)) / 2 ** 41;
        uint256 lo = _max(vm.parseJsonUint(json, ".policy.modelFeeMin"), FEE_MIN);
        uint256 hi = _min(vm.parseJsonUint(json, ".policy.modelFeeMax"), FEE_MAX);
        assertGt(raw, lo, "inside the bounds, so the fee pins sigma down");
        assertLt(raw, hi);
        assertEq(raw, p.fee, "the consumer's sigma prices the proven fee exactly");
        assertEq(market.maxLtvBps(), 8_000 - sigmaQ * 3 / 2 ** 33);
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
