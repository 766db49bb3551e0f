// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {OnchainModels} from "../../../contracts/onchain/OnchainModels.sol";
import {VarianceOracle} from "../../../contracts/libraries/VarianceOracle.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {OnchainModelsDeployer} from "./OnchainModels.t.sol";

/// @notice The hook's `onchain` verification mode on the real PoolManager: a pool whose model's weights are
/// published (OnchainModels) gets its fee from the hook's own evaluation (updateFeeOnchain), no proof; it sets the
/// same fee and forecast a real proof of the same model proves for a `zk` twin with the same history; the mode is
/// the model's at creation and follows it through the timelocked model change; each path refuses the other mode.
contract ProvenFeeHookOnchainTest is ProvenFeeFixture, OnchainModelsDeployer {
    OnchainModels models;
    uint256 commitment;
    /// @dev The zk twin: the same model registered for proofs before its weights were published, same history
    PoolKey zkTwin;
    PoolKey onchainKey;

    function setUp() public {
        _deployInfrastructure();
        models = _deployModels();
        onchainModels = address(models);
        ProvenFeeHook.BatchVerifiers memory batchVerifiers =
            ProvenFeeHook.BatchVerifiers(deployCode("Groth16BatchVerifier2.sol:Groth16BatchVerifier2"), address(0), address(0));
        hook = _deployHook(IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier")), batchVerifiers, 0x6666);
        commitment = _register(DEFAULT_MODEL);
        zkTwin = _keyFor(hook, 30);
        _createPool(hook, zkTwin, _config(commitment));

        (uint256[4] memory words,) = _words(DEFAULT_MODEL);
        models.publish(words);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelRegistered(commitment, 60, 30, "", address(this));
        hook.registerOnchainModel(commitment);
        onchainKey = _keyFor(hook, 60);
        ProvenFeeHook.PoolConfig memory config = _config(commitment);
        config.verification = ProvenFeeHook.Verification.Onchain;
        bytes32 salt = _commitPool(hook, onchainKey, SQRT_PRICE_1_1, config);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.PoolCreated(onchainKey.toId(), commitment, config);
        hook.createPool(onchainKey, SQRT_PRICE_1_1, config, salt);
        _addLiquidity(onchainKey);

        int24 tick;
        for (uint256 i; i < 30; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            tick += int24(int256(r % 61) - 30);
            replay.swapToTick(onchainKey, tick);
            replay.swapToTick(zkTwin, tick);
            vm.warp(block.timestamp + 60 * (1 + r % 2));
        }
    }

    function test_modes_areTheModelsAtCreation() public view {
        assertTrue(hook.isOnchainModel(commitment));
        assertEq(uint8(hook.poolConfig(onchainKey).verification), uint8(ProvenFeeHook.Verification.Onchain));
        assertEq(uint8(hook.poolConfig(zkTwin).verification), uint8(ProvenFeeHook.Verification.Zk), "created before: stays zk");
    }

    /// @notice A creator states the mode, and it must be the model's: no pool ends up in a mode its creator did not
    /// ask for
    function test_createPool_refusesAModeThatIsNotTheModels() public {
        PoolKey memory k = _keyFor(hook, 90);
        ProvenFeeHook.PoolConfig memory config = _config(commitment);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.VerificationMismatch.selector, ProvenFeeHook.Verification.Onchain));
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));
        uint256 zkOnly = _register(OTHER_MODEL);
        config = _config(zkOnly);
        config.verification = ProvenFeeHook.Verification.Onchain;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.VerificationMismatch.selector, ProvenFeeHook.Verification.Zk));
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));
    }

    /// @notice The onchain pool's update sets exactly the fee and forecast a real proof proves for the zk twin
    function test_updateFeeOnchain_equalsTheProvenUpdate() public {
        uint32 asOf = _currentPeriod(onchainKey) - 1;
        uint256[5] memory features = hook.featuresAsOf(onchainKey, asOf);
        assertEq(abi.encode(features), abi.encode(hook.featuresAsOf(zkTwin, asOf)), "same history, same features");
        Proof memory p = _prove(DEFAULT_MODEL, zkTwin, asOf);
        _updateFee(hook, zkTwin, asOf, p);
        uint256 zkGas = vm.snapshotGasLastCall("updateFee, zk, real proof");

        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdated(onchainKey.toId(), asOf, features, p.fee, p.forecast, commitment, address(this));
        hook.updateFeeOnchain(onchainKey, asOf);
        uint256 onchainGas = vm.snapshotGasLastCall("updateFeeOnchain");
        emit log_named_uint("updateFee (zk, real proof) gas", zkGas);
        emit log_named_uint("updateFeeOnchain gas", onchainGas);
        assertLt(onchainGas * 4, zkGas, "no proof: a fraction of the zk update");
        assertEq(_lpFee(onchainKey), p.fee);
        ProvenFeeHook.Forecast memory f = hook.forecastOf(onchainKey.toId());
        assertEq(abi.encode(f.forecast, f.asOfPeriod, f.commitment, f.horizon, f.live), abi.encode(p.forecast, asOf, commitment, 30, true));
    }

    function test_updateFeeOnchain_refusals() public {
        uint32 current = _currentPeriod(onchainKey);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, current, current));
        hook.updateFeeOnchain(onchainKey, current);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodTooOld.selector, current - 16, current));
        hook.updateFeeOnchain(onchainKey, current - 16);
        hook.updateFeeOnchain(onchainKey, current - 1);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotNewer.selector, current - 1, current - 1));
        hook.updateFeeOnchain(onchainKey, current - 1);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.updateFeeOnchain(_keyFor(hook, 10), current - 1);
        // each path refuses the other mode's pools
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.VerificationMismatch.selector, ProvenFeeHook.Verification.Zk));
        hook.updateFeeOnchain(zkTwin, current - 1);
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        _warpPeriods(onchainKey, 1);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.VerificationMismatch.selector, ProvenFeeHook.Verification.Onchain));
        hook.updateFee(onchainKey, current, 1000, 0, a, b, c);
    }

    /// @notice As on the zk path, nothing is as of a period once a later close with a move is recorded
    function test_updateFeeOnchain_refusesASupersededPeriod() public {
        uint32 p = _currentPeriod(onchainKey);
        replay.swapToTick(onchainKey, 700);
        _warpPeriods(onchainKey, 1);
        replay.swapToTick(onchainKey, 800); // records the close of p
        _warpPeriods(onchainKey, 1);
        replay.swapToTick(onchainKey, 900); // records the close of p + 1, a move
        vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, p, p + 1));
        hook.updateFeeOnchain(onchainKey, p);
        hook.updateFeeOnchain(onchainKey, p + 1);
        assertEq(hook.poolState(onchainKey).lastUpdatePeriod, p + 1);
    }

    /// @notice updateFees (zk batches) refuses an `onchain` pool's entry before any verification
    function test_updateFees_refusesAnOnchainPool() public {
        uint32 asOf = _currentPeriod(onchainKey) - 1;
        ProvenFeeHook.BatchEntry[] memory entries = new ProvenFeeHook.BatchEntry[](2);
        entries[0] = ProvenFeeHook.BatchEntry(zkTwin, asOf, 1000, 0, 0);
        entries[1] = ProvenFeeHook.BatchEntry(onchainKey, asOf, 1000, 0, 0);
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.VerificationMismatch.selector, ProvenFeeHook.Verification.Onchain));
        hook.updateFees(entries, a, b, c);
    }

    /// @notice A pool whose model's bounds lie outside its own gets no fee outside them, as on the zk path
    function test_updateFeeOnchain_refusesAFeeOutsideThePoolsBounds() public {
        PoolKey memory narrow = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(commitment);
        // the pool's bounds lie above the model's whole range, so whatever it forecasts, its fee (here its
        // upper bound) is refused
        uint256 modelMax = vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".policy.modelFeeMax");
        (config.poolFeeMin, config.fallbackFee, config.poolFeeMax) = (20_000, 20_000, 30_000);
        assertLt(modelMax, config.poolFeeMin);
        config.verification = ProvenFeeHook.Verification.Onchain;
        _createPool(hook, narrow, config);
        replay.swapToTick(narrow, 5);
        _warpPeriods(narrow, 1);
        uint32 asOf = _currentPeriod(narrow) - 1;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.FeeOutOfBounds.selector, modelMax));
        hook.updateFeeOnchain(narrow, asOf);
    }

    /// @notice zk -> onchain through the timelocked model change, and back
    function test_modeFollowsTheModelChange() public {
        string memory json = vm.readFile(OTHER_MODEL);
        uint256 other = _register(OTHER_MODEL);
        assertEq(other, vm.parseJsonUint(json, ".commitment"));
        vm.startPrank(admin);
        hook.proposeModel(onchainKey, other);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(onchainKey);
        assertEq(uint8(hook.poolConfig(onchainKey).verification), uint8(ProvenFeeHook.Verification.Zk));
        hook.proposeModel(zkTwin, commitment);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(zkTwin);
        vm.stopPrank();
        assertEq(uint8(hook.poolConfig(zkTwin).verification), uint8(ProvenFeeHook.Verification.Onchain));
        hook.updateFeeOnchain(zkTwin, _currentPeriod(zkTwin) - 1);
    }

    function test_registerOnchainModel_refusals() public {
        vm.expectRevert(abi.encodeWithSelector(OnchainModels.ModelNotPublished.selector, 42));
        hook.registerOnchainModel(42);
        onchainModels = address(0);
        ProvenFeeHook without = _deployHook(IGroth16Verifier(address(1)), 0x7777);
        vm.expectRevert(ProvenFeeHook.OnchainModeDisabled.selector);
        without.registerOnchainModel(commitment);
    }

    /// @notice A published model's horizon is proven: later claims cannot dispute it
    function test_registerOnchainModel_horizonIsProven() public {
        hook.registerModel(commitment, 60, 31, "a wrong claim");
        assertEq(hook.modelHorizon(commitment, 60), 30);
    }
}
