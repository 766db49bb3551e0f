// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {BeforeSwapDelta} from "@uniswap/v4-core/src/types/BeforeSwapDelta.sol";
import {SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {OnchainModels} from "../../../contracts/onchain/OnchainModels.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {OnchainModelsDeployer} from "./OnchainModels.t.sol";
// compiled into this profile for deployCodeTo
import {BaselineDynamicFeeHook} from "../utils/BaselineDynamicFeeHook.sol";

/// @notice MEASUREMENT ONLY, not shipped: the `onchain` mode with its evaluation in the first swap of each period
/// instead of a keeper's updateFeeOnchain. The swap that opens period p, after the hook records the last close,
/// evaluates the public model on the features as of p - 1 and sets the fee for that very swap. Issue 15 asks
/// which of the two to build, by measurement; this is the other candidate, built only to be measured. (Deployed
/// with deployCodeTo, which runs the creation code as a call: with the hook's code it is over EIP-170's 24,576
/// bytes, which is one of the reasons it is not the shipped design.)
contract FirstSwapEvaluationHook is ProvenFeeHook {
    constructor(IPoolManager manager, IGroth16Verifier verifier_, BatchVerifiers memory batch, OnchainModels models)
        ProvenFeeHook(manager, verifier_, batch, models)
    {}

    function _beforeSwap(address sender, PoolKey calldata key, SwapParams calldata params, bytes calldata data)
        internal
        override
        returns (bytes4 selector, BeforeSwapDelta delta, uint24 feeOverride)
    {
        (selector, delta, feeOverride) = super._beforeSwap(sender, key, params, data);
        _evaluateOncePerPeriod(key);
    }

    function _evaluateOncePerPeriod(PoolKey calldata key) internal {
        PoolId id = _poolId(key);
        PoolState memory s = _loadState(id);
        uint32 current = uint32(block.timestamp / s.period);
        // once per period: the first swap finds the last update older than the period just closed
        if (s.lastUpdatePeriod + 1 >= current) return;
        PoolTerms memory t = _terms[id];
        if (t.verification != Verification.Onchain) return;
        uint32 asOfPeriod = current - 1;
        uint256[5] memory features = _features(id, s, current, asOfPeriod);
        (uint256 fee, uint256 forecast) = onchainModels.evaluate(t.commitment, features, t.poolFeeMin, t.poolFeeMax);
        if (fee < t.poolFeeMin || fee > t.poolFeeMax) return;
        _applyUpdate(id, s, current, asOfPeriod, uint64(forecast));
        // the PoolManager reads the fee after beforeSwap returns: this swap already pays it
        poolManager.updateDynamicLPFee(key, uint24(fee));
        emit FeeUpdated(id, asOfPeriod, features, uint24(fee), uint64(forecast), t.commitment, msg.sender);
    }
}

/// @notice The gas of the two ways to run the `onchain` mode, on twin pools with the same history and model
/// (`FOUNDRY_PROFILE=onchain npx forge test --match-contract FirstSwapEvaluationGasTest -vv`, written to
/// snapshots/FirstSwapEvaluationGasTest.json): a keeper's updateFeeOnchain plus an ordinary first swap, against a
/// first swap that evaluates the model itself, each against the same swap in a dynamic-fee pool without swap
/// callbacks. Each figure is one top-level call made first thing in a test after setUp's history, so accounts
/// and slots start cold as in a real transaction; the sides start from the same state (snapshotState).
contract FirstSwapEvaluationGasTest is ProvenFeeFixture, OnchainModelsDeployer {
    FirstSwapEvaluationHook inSwap;
    PoolKey keeperPool;
    PoolKey inSwapPool;
    PoolKey baseline;

    function setUp() public {
        _deployInfrastructure();
        OnchainModels models = _deployModels();
        onchainModels = address(models);
        hook = _deployHook(IGroth16Verifier(address(1)), 0x6767);
        address at = address(HOOK_FLAGS | (uint160(0x6868) << 144));
        deployCodeTo(
            "FirstSwapEvaluation.t.sol:FirstSwapEvaluationHook",
            abi.encode(manager, IGroth16Verifier(address(1)), ProvenFeeHook.BatchVerifiers(address(0), address(0), address(0)), models),
            at
        );
        inSwap = FirstSwapEvaluationHook(at);

        (uint256[4] memory words, uint256 commitment) = _words(DEFAULT_MODEL);
        models.publish(words);
        hook.registerOnchainModel(commitment);
        inSwap.registerOnchainModel(commitment);
        ProvenFeeHook.PoolConfig memory config = _config(commitment);
        config.verification = ProvenFeeHook.Verification.Onchain;
        keeperPool = _keyFor(hook, 60);
        _createPool(hook, keeperPool, config);
        inSwapPool = PoolKey(currency0, currency1, LPFeeLibrary.DYNAMIC_FEE_FLAG, 60, IHooks(at));
        inSwap.createPool(inSwapPool, SQRT_PRICE_1_1, config, _commitPool(inSwap, inSwapPool, SQRT_PRICE_1_1, config));
        _addLiquidity(inSwapPool);

        address baselineHook = address(uint160(Hooks.AFTER_INITIALIZE_FLAG) | (0x5555 << 144));
        deployCodeTo("BaselineDynamicFeeHook.sol:BaselineDynamicFeeHook", abi.encode(manager, FALLBACK_FEE), baselineHook);
        baseline = PoolKey(currency0, currency1, LPFeeLibrary.DYNAMIC_FEE_FLAG, 60, IHooks(baselineHook));
        manager.initialize(baseline, SQRT_PRICE_1_1);
        _addLiquidity(baseline);

        // 30 periods of history in all three pools, every close moving; the keeper keeps its pool live, one period
        // behind: the period just closed when the loop ends has no update yet, and the open one no swap, so the
        // next swap of each pool is the first of a period and the variant evaluates in it
        int24 tick;
        for (uint256 i; i < 30; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            int24 step = int24(int256(r % 61) - 30);
            tick += step == 0 ? int24(1) : step;
            replay.swapToTick(keeperPool, tick);
            replay.swapToTick(inSwapPool, tick);
            replay.swapToTick(baseline, tick);
            if (i > 0) hook.updateFeeOnchain(keeperPool, _currentPeriod(keeperPool) - 1);
            vm.warp(block.timestamp + 60);
        }
    }

    function _measureSwap(PoolKey memory k) internal returns (uint256 gasUsed) {
        uint256 snapshot = vm.snapshotState();
        swap(k, true, -1e15, ZERO_BYTES);
        gasUsed = vm.lastCallGas().gasTotalUsed;
        vm.revertToState(snapshot);
    }

    function test_gas_firstSwapEvaluationAgainstKeeperCall() public {
        uint256 base = _measureSwap(baseline);
        uint256 plain = _measureSwap(keeperPool);
        uint256 evaluating = _measureSwap(inSwapPool);
        uint32 asOf = _currentPeriod(keeperPool) - 1;
        uint256 snapshot = vm.snapshotState();
        hook.updateFeeOnchain(keeperPool, asOf);
        uint256 keeperCall = vm.lastCallGas().gasTotalUsed;
        vm.revertToState(snapshot);

        vm.snapshotValue("first swap, baseline dynamic-fee pool", base);
        vm.snapshotValue("first swap, keeper mode (updateFeeOnchain sent apart)", plain);
        vm.snapshotValue("first swap, evaluation in the swap", evaluating);
        vm.snapshotValue("updateFeeOnchain, keeper's call", keeperCall);
        emit log_named_uint("first swap over baseline, keeper mode", plain - base);
        emit log_named_uint("first swap over baseline, evaluation in the swap", evaluating - base);
        emit log_named_uint("updateFeeOnchain execution gas (plus 21,000 base and calldata per transaction)", keeperCall);
        // the evaluation costs the swapper what it saves the keeper, less the transaction's own 21k and calldata
        assertGt(evaluating, plain + 20_000, "the swap carries the evaluation");
    }

    /// @notice Both ways set the same fee from the same history: the variant is a fair stand-in for the design
    function test_firstSwapEvaluation_setsTheKeepersFee() public {
        uint32 asOf = _currentPeriod(keeperPool) - 1;
        hook.updateFeeOnchain(keeperPool, asOf);
        swap(inSwapPool, true, -1e15, ZERO_BYTES);
        assertEq(_lpFee(inSwapPool), _lpFee(keeperPool));
        assertEq(inSwap.poolState(inSwapPool).lastUpdatePeriod, asOf);
        assertEq(inSwap.forecastOf(inSwapPool.toId()).forecast, hook.forecastOf(keeperPool.toId()).forecast);
    }
}
