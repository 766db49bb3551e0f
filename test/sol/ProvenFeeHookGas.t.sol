// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {IGroth16Verifier} from "../../contracts/interfaces/IGroth16Verifier.sol";
import {ExpectingVerifier} from "./utils/ExpectingVerifier.sol";
import {BaselineDynamicFeeHook} from "./utils/BaselineDynamicFeeHook.sol";
import {ProvenFeeFixture} from "./utils/ProvenFeeFixture.sol";

/// @notice Gas of the hook against the same swap in a dynamic-fee pool whose hook has no swap callbacks.
/// Each figure is the execution gas of one top-level call made first thing in a test, after a history built
/// in setUp (a transaction of its own), so accounts and slots start cold as in a real transaction; the two
/// sides of a comparison start from the same state (vm.snapshotState / revertToState). Figures are written to
/// snapshots/<contract>.json.
abstract contract GasFixture is ProvenFeeFixture {
    PoolKey baseline;

    function setUp() public {
        _deployInfrastructure();
        hook = _deployHook(_verifier(), 0x4444);
        key = _keyFor(hook, 60);
        _createPool(hook, key, _config(_register(DEFAULT_MODEL)));

        address at = address(uint160(Hooks.AFTER_INITIALIZE_FLAG) | (0x5555 << 144));
        deployCodeTo("BaselineDynamicFeeHook.sol:BaselineDynamicFeeHook", abi.encode(manager, FALLBACK_FEE), at);
        baseline = PoolKey(currency0, currency1, LPFeeLibrary.DYNAMIC_FEE_FLAG, 60, IHooks(at));
        manager.initialize(baseline, SQRT_PRICE_1_1);
        _addLiquidity(baseline);

        _history();
    }

    function _verifier() internal virtual returns (IGroth16Verifier);

    function _history() internal virtual;

    /// @dev Reads nothing from the hook, so the measured call finds it cold
    function _nextPeriod() internal {
        vm.warp(block.timestamp + 60);
    }
}

/// @notice Swaps. The history moves both pools to the same ticks, one period each; the measured swap sells
/// 1e15 of token0 (about ten ticks) without crossing an initialized tick.
abstract contract SwapGasFixture is GasFixture {
    uint256 constant MAX_SWAP_OVERHEAD = 8_000;
    uint256 constant MAX_FIRST_SWAP_OVERHEAD = 30_000;

    /// @dev The swap path never reaches the verifier
    function _verifier() internal override returns (IGroth16Verifier) {
        ExpectingVerifier verifier = new ExpectingVerifier();
        verifier.setAcceptAll(true);
        return verifier;
    }

    /// @dev The tick each history period ends at, one swap per period in both pools
    function _closes() internal pure virtual returns (int24[] memory);

    /// @dev The history, then a fee update so that the hooked pool is live (not on its fallback) and charges
    /// the baseline's fee
    function _history() internal virtual override {
        int24[] memory closes = _closes();
        for (uint256 i; i < closes.length; ++i) {
            _nextPeriod();
            replay.swapToTick(key, closes[i]);
            replay.swapToTick(baseline, closes[i]);
        }
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        hook.updateFee(key, _currentPeriod(key) - 1, FALLBACK_FEE, 0, a, b, c);
        assertFalse(hook.poolState(key).onFallback);
    }

    function _measureSwap(PoolKey memory k) internal returns (uint256 gasUsed) {
        uint256 snapshot = vm.snapshotState();
        swap(k, true, -1e15, ZERO_BYTES);
        gasUsed = vm.lastCallGas().gasTotalUsed;
        vm.revertToState(snapshot);
    }

    /// @dev The period of the last recorded move, after one more swap (outside any measurement)
    function _statePeriodAfterASwap() internal returns (uint32 statePeriod) {
        swap(key, true, -1e15, ZERO_BYTES);
        (,, statePeriod,,) = hook.oracleState(key);
    }
}

contract ProvenFeeHookSwapGasTest is SwapGasFixture {
    /// @dev Every period closes away from the last close
    function _closes() internal pure override returns (int24[] memory t) {
        t = new int24[](5);
        (t[0], t[1], t[2], t[3], t[4]) = (5, -5, 5, -5, 5);
    }

    /// @dev A swap in a period that has already traded: the hook reads one slot
    function test_gas_swapOverhead() public {
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("swap, baseline dynamic-fee pool", base);
        vm.snapshotValue("swap", hooked);
        vm.snapshotValue("swap overhead", hooked - base);
        assertLe(hooked - base, MAX_SWAP_OVERHEAD);
    }

    /// @dev The first swap of a period records the close of the last one, which moved: all five variances
    /// decay and take the squared move
    function test_gas_firstSwapOfPeriodOverhead() public {
        _nextPeriod();
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("first swap of a period, close moved", hooked);
        vm.snapshotValue("first swap of a period, close moved, overhead", hooked - base);
        assertLe(hooked - base, MAX_FIRST_SWAP_OVERHEAD);
        assertEq(_statePeriodAfterASwap(), _currentPeriod(key) - 1, "it did record a move");
    }

    /// @dev The worst swap: the keeper has been silent for the liveness window, so the first swap of the period
    /// records a moved close and also switches the pool to its fallback fee (a PoolManager call and an event)
    function test_gas_firstSwapOfPeriodWithFallbackOverhead() public {
        vm.warp(block.timestamp + 60 * LIVENESS);
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("first swap of a period, close moved, fallback activated", hooked);
        vm.snapshotValue("first swap of a period, close moved, fallback activated, overhead", hooked - base);
        assertLe(hooked - base, MAX_FIRST_SWAP_OVERHEAD);
        assertEq(_statePeriodAfterASwap(), _currentPeriod(key) - LIVENESS, "it did record a move");
        assertTrue(hook.poolState(key).onFallback, "and did fall back");
    }
}

contract ProvenFeeHookSwapGasNoMoveTest is SwapGasFixture {
    /// @dev The last period closes where the one before it did
    function _closes() internal pure override returns (int24[] memory t) {
        t = new int24[](5);
        (t[0], t[1], t[2], t[3], t[4]) = (5, -5, 5, -5, -5);
    }

    /// @dev The first swap of a period whose last traded period closed without a move: only the pool state
    /// slot is written (the new period), the variance word is not touched
    function test_gas_firstSwapOfPeriodWithoutMoveOverhead() public {
        _nextPeriod();
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("first swap of a period, close did not move", hooked);
        vm.snapshotValue("first swap of a period, close did not move, overhead", hooked - base);
        assertLe(hooked - base, MAX_FIRST_SWAP_OVERHEAD);
        assertEq(_statePeriodAfterASwap(), _currentPeriod(key) - 2, "no move recorded");
    }
}

contract ProvenFeeHookSwapGasFirstCloseTest is SwapGasFixture {
    /// @dev One traded period: the next one's first swap records the pool's first close
    function _closes() internal pure override returns (int24[] memory t) {
        t = new int24[](1);
        t[0] = 5;
    }

    function _history() internal override {
        super._history();
        (bool hasClose,,,,) = hook.oracleState(key);
        assertFalse(hasClose);
    }

    function test_gas_firstCloseOverhead() public {
        _nextPeriod();
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("first swap of a period, the pool's first close", hooked);
        vm.snapshotValue("first swap of a period, the pool's first close, overhead", hooked - base);
        assertLe(hooked - base, MAX_FIRST_SWAP_OVERHEAD);
        swap(key, true, -1e15, ZERO_BYTES);
        (bool hasClose,,,,) = hook.oracleState(key);
        assertTrue(hasClose);
    }
}

/// @notice updateFee with the real verifier and a real proof of the default model as of the last completed
/// period, whose close is still pending (the keeper does not wait for a swap), after 400 periods of history.
/// The keeper's previous update was as of `lastUpdateBack` periods before the measured one (1: a keeper
/// updating every period), and the pool traded in every period (`maxGap` 1) or with gaps of up to `maxGap`.
abstract contract UpdateGasFixture is GasFixture {
    uint256 constant MAX_UPDATE_GAS = 300_000;

    uint32 asOf;
    Proof proof;

    function _shape() internal pure virtual returns (uint256 maxGap, uint256 lastUpdateBack);

    function _verifier() internal override returns (IGroth16Verifier) {
        return IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
    }

    function _history() internal virtual override {
        (uint256 maxGap, uint256 lastUpdateBack) = _shape();
        uint256 periods;
        for (uint256 i; periods < 400; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            uint256 gap = 1 + r % maxGap;
            if (periods < 400 - lastUpdateBack && periods + gap >= 400 - lastUpdateBack) {
                // the keeper's previous update, as of the period before
                uint256 back = 400 - lastUpdateBack - periods;
                vm.warp(block.timestamp + 60 * back);
                _update(_currentPeriod(key) - 1);
                vm.warp(block.timestamp - 60 * back);
            }
            periods += gap;
            vm.warp(block.timestamp + 60 * gap);
            _swapTo(key, int24(int256(r % 201) - 100));
        }
        _nextPeriod();
        _prepare(_currentPeriod(key) - 1);
    }

    function _prepare(uint32 at) internal {
        asOf = at;
        proof = _prove(DEFAULT_MODEL, key, asOf);
        (bool pending, uint32 period,) = hook.pendingClose(key);
        assertTrue(pending && period <= asOf, "the measured update records the pending close");
    }

    function _update(uint32 at) internal {
        _updateFee(hook, key, at, _prove(DEFAULT_MODEL, key, at));
    }

    function _measure(string memory name) internal {
        _updateFee(hook, key, asOf, proof);
        assertLe(vm.snapshotGasLastCall(name), MAX_UPDATE_GAS);
        assertEq(_lpFee(key), proof.fee);
    }
}

contract ProvenFeeHookUpdateGasDenseTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {
        return (1, 1);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, dense history");
    }
}

contract ProvenFeeHookUpdateGasSparseTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {
        return (3, 1);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, sparse history");
    }
}

/// @dev The keeper's previous update was 15 periods earlier, and the pool trades in bursts
contract ProvenFeeHookUpdateGasIdleKeeperTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {
        return (8, 15);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, bursty history, previous update 15 periods back");
    }
}

/// @dev The first update of a pool with a long sparse history
contract ProvenFeeHookUpdateGasFirstUpdateTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {
        return (3, 400);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, sparse history, first update");
    }
}

/// @dev The most arithmetic an update can do: it records a pending close that moved, and every one of the
/// fifteen fixed-point powers runs its longest loop with every bit set (exponent h_k - 1). Closes at periods
/// F (the first), F + 1 (a move: the state period S) and P = S + 1023 (pending, a move); the update is as of
/// P + 1023, so the pending record decays by P - S = 1023, the features by 1023, and the bias correction
/// uses n = 2047: each is h_k - 1 modulo every half-life h_k (all powers of two up to 1024).
contract ProvenFeeHookUpdateGasWorstCaseTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {}

    function _history() internal override {
        uint32 first = _currentPeriod(key);
        _swapTo(key, 0);
        _nextPeriod();
        _swapTo(key, 40);
        vm.warp(block.timestamp + 60 * 1023);
        _swapTo(key, -40);
        vm.warp(block.timestamp + 60 * 1024);
        (, int24 lastCloseTick, uint32 statePeriod, uint32 firstPeriod,) = hook.oracleState(key);
        (bool pending, uint32 pendingPeriod, int24 pendingTick) = hook.pendingClose(key);
        assertEq(firstPeriod, first);
        assertEq(statePeriod, first + 1);
        assertTrue(pending && pendingPeriod == statePeriod + 1023 && pendingTick != lastCloseTick);
        _prepare(_currentPeriod(key) - 1);
        assertEq(asOf, pendingPeriod + 1023);
        assertEq(asOf - firstPeriod, 2047);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, worst case: pending move, every power at its longest");
    }
}
