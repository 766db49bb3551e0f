// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {OBSERVATION_CAPACITY} from "../../contracts/libraries/VolatilityOracle.sol";
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
        hook.prefillObservations(key, 0, OBSERVATION_CAPACITY);

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

contract ProvenFeeHookSwapGasTest is GasFixture {
    uint256 constant MAX_SWAP_OVERHEAD = 8_000;
    uint256 constant MAX_FIRST_SWAP_OVERHEAD = 30_000;

    /// @dev The swap path never reaches the verifier
    function _verifier() internal override returns (IGroth16Verifier) {
        ExpectingVerifier verifier = new ExpectingVerifier();
        verifier.setAcceptAll(true);
        return verifier;
    }

    /// @dev Identical swaps in both pools for a few periods, then a proven fee equal to the baseline's fee,
    /// so the hooked pool is live (not on its fallback) and both charge the same fee
    function _history() internal override {
        for (uint256 i; i < 5; ++i) {
            _nextPeriod();
            bool zeroForOne = i % 2 == 0;
            swap(key, zeroForOne, -1e15, ZERO_BYTES);
            swap(baseline, zeroForOne, -1e15, ZERO_BYTES);
        }
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        hook.updateFee(key, _currentPeriod(key) - 1, FALLBACK_FEE, a, b, c);
        assertFalse(hook.poolState(key).onFallback);
    }

    function test_gas_swapOverhead() public {
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("swap, baseline dynamic-fee pool", base);
        vm.snapshotValue("swap", hooked);
        vm.snapshotValue("swap overhead", hooked - base);
        assertLe(hooked - base, MAX_SWAP_OVERHEAD);
    }

    function test_gas_firstSwapOfPeriodOverhead() public {
        _nextPeriod();
        uint256 base = _measureSwap(baseline);
        uint256 hooked = _measureSwap(key);
        vm.snapshotValue("first swap of a period", hooked);
        vm.snapshotValue("first swap of a period overhead", hooked - base);
        assertLe(hooked - base, MAX_FIRST_SWAP_OVERHEAD);
        // it did write an observation
        swap(key, true, -1e15, ZERO_BYTES);
        assertEq(hook.poolState(key).observationCount, 5);
    }

    function test_gas_prefillObservations() public {
        PoolKey memory k = _keyFor(hook, 10);
        hook.createPool(k, SQRT_PRICE_1_1, hook.poolConfig(key));
        hook.prefillObservations(k, 0, OBSERVATION_CAPACITY);
        vm.snapshotGasLastCall("prefillObservations, all 256 slots");
    }

    function _measureSwap(PoolKey memory k) internal returns (uint256 gasUsed) {
        uint256 snapshot = vm.snapshotState();
        swap(k, true, -1e15, ZERO_BYTES);
        gasUsed = vm.lastCallGas().gasTotalUsed;
        vm.revertToState(snapshot);
    }
}

/// @notice updateFee with the real verifier and a real proof of the default model, after a history of
/// swaps. The keeper's previous update was as of `lastUpdateBack` periods before the measured one (1: a
/// keeper updating every period), and the pool traded in every period (`maxGap` 1) or with irregular gaps
/// of up to `maxGap` periods, so the window-boundary searches do real binary searches.
abstract contract UpdateGasFixture is GasFixture {
    uint256 constant MAX_UPDATE_GAS = 300_000;

    uint32 asOf;
    Proof proof;

    function _shape() internal pure virtual returns (uint256 maxGap, uint256 lastUpdateBack);

    function _verifier() internal override returns (IGroth16Verifier) {
        return IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
    }

    function _history() internal override {
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
            _swapTo(key, int24(int256(r % 2001) - 1000));
        }
        _nextPeriod();
        asOf = _currentPeriod(key) - 1;
        proof = _prove(DEFAULT_MODEL, key, asOf);
    }

    function _update(uint32 at) internal {
        Proof memory p = _prove(DEFAULT_MODEL, key, at);
        hook.updateFee(key, at, p.fee, p.a, p.b, p.c);
    }

    function _measure(string memory name) internal {
        hook.updateFee(key, asOf, proof.fee, proof.a, proof.b, proof.c);
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

/// @dev The first update of a pool with a long sparse history: no memo of earlier boundaries to start from
contract ProvenFeeHookUpdateGasFirstUpdateTest is UpdateGasFixture {
    function _shape() internal pure override returns (uint256, uint256) {
        return (3, 400);
    }

    function test_gas_updateFee() public {
        _measure("updateFee, sparse history, first update");
    }
}
