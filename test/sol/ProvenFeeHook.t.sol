// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Vm} from "forge-std/Vm.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {Pool} from "@uniswap/v4-core/src/libraries/Pool.sol";
import {CustomRevert} from "@uniswap/v4-core/src/libraries/CustomRevert.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {BaseHook} from "@openzeppelin/uniswap-hooks/base/BaseHook.sol";
import {ProvenFeeHook} from "../../contracts/ProvenFeeHook.sol";
import {VarianceOracle} from "../../contracts/libraries/VarianceOracle.sol";
import {ReferenceOracle} from "./utils/ReferenceOracle.sol";
import {ExpectingVerifier} from "./utils/ExpectingVerifier.sol";
import {ExhaustingVerifier} from "./utils/ExhaustingVerifier.sol";
import {ProvenFeeFixture} from "./utils/ProvenFeeFixture.sol";
import {ExpectingVerifierPoolFixture} from "./utils/ExpectingVerifierPoolFixture.sol";

contract ProvenFeeHookTest is ExpectingVerifierPoolFixture {
    uint256 constant MODEL_30S = 0x3badc0ffee;
    uint256 constant BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    uint256 fallbackEvents;

    function setUp() public {
        _deployPoolOnExpectingVerifier();
    }

    // ------------------------------------------------------------ pool creation

    function test_createPool_storesConfigAndStartsOnFallback() public view {
        ProvenFeeHook.PoolConfig memory c = hook.poolConfig(key);
        assertEq(c.commitment, MODEL);
        assertEq(c.poolFeeMin, FEE_MIN);
        assertEq(c.poolFeeMax, FEE_MAX);
        assertEq(c.fallbackFee, FALLBACK_FEE);
        assertEq(c.period, 60, "default period");
        assertEq(c.maxStalenessPeriods, 15);
        assertEq(c.livenessPeriods, LIVENESS);
        assertEq(c.admin, admin);
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        assertTrue(s.onFallback);
        assertFalse(s.hasSwapped);
        assertFalse(s.hasClose);
        assertEq(_lpFee(key), FALLBACK_FEE);
        assertEq(hook.currentPeriod(key), T0 / 60);
    }

    function test_createPool_emitsPoolCreated() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        bytes32 salt = _commitPool(hook, k, SQRT_PRICE_1_1, config);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.PoolCreated(k.toId(), MODEL, config);
        assertEq(PoolId.unwrap(hook.createPool(k, SQRT_PRICE_1_1, config, salt)), PoolId.unwrap(k.toId()));
    }

    function test_createPool_withItsOwnPeriod() public {
        hook.registerModel(MODEL_30S, 30, 60, "");
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL_30S);
        config.period = 30;
        hook.createPool(k, SQRT_PRICE_1_1, config, _commitPool(hook, k, SQRT_PRICE_1_1, config));
        assertEq(hook.currentPeriod(k), T0 / 30);
        assertEq(hook.poolConfig(k).period, 30);
    }

    function test_createPool_revertsForAnotherHook() public {
        PoolKey memory k = _keyFor(hook, 10);
        k.hooks = IHooks(address(0xbeef));
        vm.expectRevert(ProvenFeeHook.HookMismatch.selector);
        hook.createPool(k, SQRT_PRICE_1_1, _config(MODEL), bytes32(0));
    }

    function test_createPool_revertsWithoutDynamicFee() public {
        PoolKey memory k = _keyFor(hook, 10);
        k.fee = 3000;
        vm.expectRevert(ProvenFeeHook.NotDynamicFee.selector);
        hook.createPool(k, SQRT_PRICE_1_1, _config(MODEL), bytes32(0));
    }

    function test_createPool_revertsForUnregisteredModel() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ModelNotRegistered.selector, MODEL_2, 60));
        hook.createPool(_keyFor(hook, 10), SQRT_PRICE_1_1, _config(MODEL_2), bytes32(0));
    }

    function test_createPool_revertsForModelOfAnotherPeriod() public {
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        config.period = 30;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ModelNotRegistered.selector, MODEL, 30));
        hook.createPool(_keyFor(hook, 10), SQRT_PRICE_1_1, config, bytes32(0));
    }

    function test_createPool_revertsForBadFeeBounds() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        config.poolFeeMin = FEE_MAX + 1;
        vm.expectRevert(ProvenFeeHook.InvalidFeeBounds.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));

        config = _config(MODEL);
        config.fallbackFee = FEE_MIN - 1;
        vm.expectRevert(ProvenFeeHook.InvalidFeeBounds.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));

        config = _config(MODEL);
        config.fallbackFee = FEE_MAX + 1;
        vm.expectRevert(ProvenFeeHook.InvalidFeeBounds.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));

        config = _config(MODEL);
        config.poolFeeMax = 1_000_001;
        vm.expectRevert(ProvenFeeHook.InvalidFeeBounds.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));
    }

    function test_createPool_revertsForBadStaleness() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        config.maxStalenessPeriods = 0;
        vm.expectRevert(ProvenFeeHook.InvalidMaxStaleness.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));
        config.maxStalenessPeriods = 16;
        vm.expectRevert(ProvenFeeHook.InvalidMaxStaleness.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(0));
    }

    function test_createPool_revertsForZeroLiveness() public {
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        config.livenessPeriods = 0;
        vm.expectRevert(ProvenFeeHook.InvalidLiveness.selector);
        hook.createPool(_keyFor(hook, 10), SQRT_PRICE_1_1, config, bytes32(0));
    }

    function test_createPool_revertsForAnExistingPool() public {
        bytes32 salt = _commitPool(hook, key, SQRT_PRICE_1_1, _config(MODEL));
        vm.expectRevert(Pool.PoolAlreadyInitialized.selector);
        hook.createPool(key, SQRT_PRICE_1_1, _config(MODEL), salt);
    }

    // ------------------------------------------------------------ pool commitments (squatting)

    function test_poolCommitmentOf_isTheHashOfEveryArgument() public view {
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        PoolKey memory k = _keyFor(hook, 10);
        assertEq(
            hook.poolCommitmentOf(k, SQRT_PRICE_1_1, config, admin, bytes32(uint256(7))),
            keccak256(abi.encode(k, SQRT_PRICE_1_1, config, admin, bytes32(uint256(7))))
        );
    }

    function test_commitPool_recordsTheBlockAndEmits() public {
        bytes32 commitment = keccak256("terms");
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.PoolCommitted(admin, commitment);
        vm.prank(admin);
        hook.commitPool(commitment);
        assertEq(hook.poolCommitments(admin, commitment), block.number);
        assertEq(hook.poolCommitments(address(this), commitment), 0);
    }

    function test_createPool_revertsWithoutACommitment() public {
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        hook.createPool(_keyFor(hook, 10), SQRT_PRICE_1_1, _config(MODEL), bytes32(0));
    }

    /// @dev A commitment names its creator, key, price, terms and salt: changing any one of them, or sending the
    /// reveal from another address, finds no commitment
    function test_createPool_revertsForAnythingButTheCommittedArguments() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        bytes32 salt = _commitPool(hook, k, SQRT_PRICE_1_1, config);
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        vm.prank(makeAddr("someone else"));
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, bytes32(uint256(salt) ^ 1));
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        hook.createPool(k, SQRT_PRICE_1_1 + 1, config, salt);
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        hook.createPool(_keyFor(hook, 20), SQRT_PRICE_1_1, config, salt);
        config.poolFeeMax += 1;
        vm.expectRevert(ProvenFeeHook.PoolNotCommitted.selector);
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
        config.poolFeeMax -= 1;
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
    }

    function test_createPool_revertsInTheBlockOfItsCommitment() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        bytes32 salt = bytes32(uint256(1));
        hook.commitPool(hook.poolCommitmentOf(k, SQRT_PRICE_1_1, config, address(this), salt));
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PoolCommitmentTooRecent.selector, block.number));
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
        vm.roll(block.number + 1);
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
    }

    /// @dev Usable up to POOL_COMMITMENT_LIFETIME blocks after its own, not one more
    function test_createPool_revertsForAnExpiredCommitment() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory config = _config(MODEL);
        bytes32 salt = bytes32(uint256(1));
        uint256 committedAt = block.number;
        hook.commitPool(hook.poolCommitmentOf(k, SQRT_PRICE_1_1, config, address(this), salt));
        vm.roll(committedAt + hook.POOL_COMMITMENT_LIFETIME() + 1);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PoolCommitmentExpired.selector, committedAt));
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
        vm.roll(committedAt + hook.POOL_COMMITMENT_LIFETIME());
        hook.createPool(k, SQRT_PRICE_1_1, config, salt);
        assertEq(hook.poolCommitments(address(this), hook.poolCommitmentOf(k, SQRT_PRICE_1_1, config, address(this), salt)), 0, "used up");
    }

    /// @dev The attack the commitment stops: a front-runner learns the key and the creator's terms only from
    /// the creator's createPool in the mempool. Its own commitment can land in that block at the earliest, so
    /// its createPool is refused there, and one block later the creator's pool exists.
    function test_createPool_aFrontRunnerWhoLearnsTheKeyFromTheRevealCannotCreateFirst() public {
        PoolKey memory k = _keyFor(hook, 10);
        ProvenFeeHook.PoolConfig memory honest = _config(MODEL);
        bytes32 salt = _commitPool(hook, k, SQRT_PRICE_1_1, honest); // mined; the reveal is now in the mempool

        address squatter = makeAddr("squatter");
        ProvenFeeHook.PoolConfig memory squatted = _config(MODEL);
        (squatted.admin, squatted.poolFeeMin, squatted.poolFeeMax) = (squatter, 1, 1_000_000);
        vm.startPrank(squatter);
        // re-committing the creator's hash only fills the squatter's own slot: it cannot delay the creator
        hook.commitPool(hook.poolCommitmentOf(k, SQRT_PRICE_1_1, honest, address(this), salt));
        hook.commitPool(hook.poolCommitmentOf(k, SQRT_PRICE_1_1, squatted, squatter, salt));
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PoolCommitmentTooRecent.selector, block.number));
        hook.createPool(k, SQRT_PRICE_1_1, squatted, salt);
        vm.stopPrank();

        hook.createPool(k, SQRT_PRICE_1_1, honest, salt); // the reveal, in the same block
        vm.roll(block.number + 1);
        vm.expectRevert(Pool.PoolAlreadyInitialized.selector);
        vm.prank(squatter);
        hook.createPool(k, SQRT_PRICE_1_1, squatted, salt);
        assertEq(hook.poolConfig(k).admin, admin);
        assertEq(hook.poolConfig(k).poolFeeMin, FEE_MIN);
    }

    function test_initialize_revertsOutsideCreatePool() public {
        PoolKey memory k = _keyFor(hook, 10);
        vm.expectRevert(
            abi.encodeWithSelector(
                CustomRevert.WrappedError.selector,
                address(hook),
                IHooks.beforeInitialize.selector,
                abi.encodeWithSelector(ProvenFeeHook.NotCreatedThroughHook.selector),
                abi.encodeWithSelector(Hooks.HookCallFailed.selector)
            )
        );
        manager.initialize(k, SQRT_PRICE_1_1);
    }

    function test_callbacks_revertUnlessFromPoolManager() public {
        vm.expectRevert(BaseHook.NotPoolManager.selector);
        hook.beforeInitialize(address(this), key, SQRT_PRICE_1_1);
        vm.expectRevert(BaseHook.NotPoolManager.selector);
        hook.beforeSwap(address(this), key, SwapParams(true, -1, MIN_PRICE_LIMIT), ZERO_BYTES);
    }

    function test_unknownPool_reverts() public {
        PoolKey memory k = _keyFor(hook, 10);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.currentPeriod(k);
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.updateFee(k, 1, FEE_MIN, 0, a, b, c);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.featuresAsOf(k, 1);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.publicSignalsFor(k, 1, FEE_MIN, 0);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.oracleState(k);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.pendingClose(k);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.poolState(k);
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.poolConfig(k);
    }

    // ------------------------------------------------------------ model registry

    function test_registerModel_storesAndEmits() public {
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelRegistered(MODEL_2, 60, 30, "ipfs://two", address(this));
        hook.registerModel(MODEL_2, 60, 30, "ipfs://two");
        assertTrue(hook.isModelRegistered(MODEL_2, 60));
        assertFalse(hook.isModelRegistered(MODEL_2, 30));
    }

    function test_registerModel_cannotBeSquattedWithAnotherPeriod() public {
        address squatter = makeAddr("squatter");
        vm.prank(squatter);
        hook.registerModel(MODEL_2, 30, 1, "ipfs://junk");
        // The true registration still goes through, and pools of the true period can use the model.
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelRegistered(MODEL_2, 60, 30, "ipfs://two", address(this));
        hook.registerModel(MODEL_2, 60, 30, "ipfs://two");
        PoolKey memory k = _keyFor(hook, 10);
        hook.createPool(k, SQRT_PRICE_1_1, _config(MODEL_2), _commitPool(hook, k, SQRT_PRICE_1_1, _config(MODEL_2)));
        // Registering the same pair again publishes one more claim and changes nothing.
        vm.prank(squatter);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelRegistered(MODEL_2, 60, 7, "ipfs://junk", squatter);
        hook.registerModel(MODEL_2, 60, 7, "ipfs://junk");
        assertTrue(hook.isModelRegistered(MODEL_2, 60));
    }

    function test_registerModel_revertsForZeroPeriod() public {
        vm.expectRevert(ProvenFeeHook.ModelPeriodZero.selector);
        hook.registerModel(MODEL_2, 0, 30, "");
    }

    function test_registerModel_revertsOutsideTheField() public {
        uint256 r = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        vm.expectRevert(ProvenFeeHook.CommitmentNotInField.selector);
        hook.registerModel(r, 60, 30, "");
        hook.registerModel(r - 1, 60, 30, "");
    }

    // ------------------------------------------------------------ closes and the variance state

    function test_swaps_firstSwapRecordsNothing() public {
        _swapTo(key, 50);
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        assertTrue(s.hasSwapped);
        assertEq(s.lastSwapPeriod, T0 / 60);
        assertFalse(s.hasClose);
        (bool hasClose,,,,) = hook.oracleState(key);
        assertFalse(hasClose);
        (bool exists,,) = hook.pendingClose(key);
        assertFalse(exists, "the period is still open");
        _warpPeriods(key, 1);
        (bool pending, uint32 period, int24 tick) = hook.pendingClose(key);
        assertTrue(pending);
        assertEq(period, T0 / 60);
        assertEq(tick, 50);
    }

    function test_swaps_recordTheCloseOfTheLastTradedPeriod() public {
        uint32 p0 = uint32(T0 / 60);
        _swapTo(key, 50);
        vm.warp(block.timestamp + 59);
        _swapTo(key, -20);
        _swapTo(key, 7);
        _warpPeriods(key, 3); // two periods without swaps record nothing
        (, uint32 pendingPeriod, int24 pendingTick) = hook.pendingClose(key);
        _swapTo(key, 1000);
        (bool hasClose, int24 lastCloseTick, uint32 statePeriod, uint32 firstPeriod, uint256[5] memory variances) =
            hook.oracleState(key);
        assertTrue(hasClose);
        assertEq(lastCloseTick, 7);
        assertEq(statePeriod, p0);
        assertEq(firstPeriod, p0);
        _assertFeatures(variances, [uint256(0), 0, 0, 0, 0]);
        assertEq(abi.encode(pendingPeriod, pendingTick), abi.encode(p0, int24(7)), "what the next swap records");
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        assertTrue(s.hasClose);
        assertEq(s.lastCloseTick, 7);
        assertEq(s.lastSwapPeriod, p0 + 3);

        _warpPeriods(key, 1);
        _swapTo(key, 0);
        (hasClose, lastCloseTick, statePeriod, firstPeriod, variances) = hook.oracleState(key);
        assertEq(lastCloseTick, 1000);
        assertEq(statePeriod, p0 + 3);
        assertEq(firstPeriod, p0);
        _assertFeatures(variances, _referenceState().variances);
        assertGt(variances[4], 0);
    }

    /// @dev A period that closes where the last one did costs the oracle nothing: the swap that records it
    /// writes only the pool's state slot (the new period), and the variance state is unchanged
    function test_swaps_closeWithoutAMoveChangesNothing() public {
        _swapTo(key, 100);
        _warpPeriods(key, 1);
        _swapTo(key, 300);
        _warpPeriods(key, 1);
        _swapTo(key, -40); // records the close of 300
        _swapTo(key, 300); // back where the last close was, in the same period
        _warpPeriods(key, 5);
        bytes memory before = _oracleState();
        (bool exists,, int24 tick) = hook.pendingClose(key);
        assertTrue(exists);
        assertEq(tick, 300);

        vm.record();
        _swapTo(key, 500);
        (, bytes32[] memory writes) = vm.accesses(address(hook));
        assertEq(writes.length, 1, "one slot written");
        assertEq(writes[0], keccak256(abi.encode(id, uint256(1))), "the pool's state slot (_states, slot 1)");
        assertEq(_oracleState(), before);
        assertEq(hook.poolState(key).lastSwapPeriod, _currentPeriod(key));
    }

    /// @dev Features over random swap schedules on the real PoolManager equal the reference, for every as-of
    /// period an update may use, including the pending close, and updates verify against them; as-of periods
    /// a recorded move has superseded revert, in featuresAsOf and updateFee alike
    function testFuzz_features_matchReference(uint256 seed) public {
        uint256 n = bound(seed, 5, 60);
        uint256 regime = (seed >> 8) % 3;
        int256 tick;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            // dense: a swap or more every period; sparse: gaps up to 40 periods; mixed: a long pause now and then
            uint256 gap = regime == 0 ? r % 2 : regime == 1 ? r % 40 : (r % 7 == 0 ? 100 + r % 2000 : r % 3);
            vm.warp(block.timestamp + gap * 60 + (r >> 32) % 60);
            uint256 move = (r >> 64) % 8;
            // now and then a jump anywhere, or a period that closes where it opened
            if (move == 0) tick = int256((r >> 80) % 400_001) - 200_000;
            else if (move > 1) tick = tick + int256((r >> 80) % 601) - 300;
            _swapTo(key, int24(tick));
            if ((r >> 128) % 4 == 0) _checkRecentFeatures();
            if ((r >> 136) % 3 == 0) _updateAndCheck(_currentPeriod(key) - 1 - uint32((r >> 144) % 3), uint64(r >> 160));
        }
        vm.warp(block.timestamp + ((seed >> 16) % 3) * 60);
        _checkRecentFeatures();
        _updateAndCheck(_currentPeriod(key) - 1, uint64(seed >> 160));
    }

    /// @dev An update as of `asOf` (if newer than the last) verifies against, and reports, the reference
    /// features; or reverts with PeriodSuperseded where the reference says a move after `asOf` is recorded
    function _updateAndCheck(uint32 asOf, uint64 forecast) internal {
        if (asOf <= hook.poolState(key).lastUpdatePeriod) return;
        forecast = uint64(bound(forecast, 0, 2 ** 38 - 1));
        (bool superseded, uint32 statePeriod) = _expectedSuperseded(asOf);
        if (superseded) {
            vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, asOf, statePeriod));
            _update(asOf, 1000, forecast);
            return;
        }
        uint256[5] memory f = _expectedFeatures(asOf);
        verifier.expect(_expectedSignals(hook, key, MODEL, asOf, 1000, forecast, f));
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdated(id, asOf, f, 1000, forecast, MODEL, address(this));
        _update(asOf, 1000, forecast);
    }

    /// @dev 700 swaps with gaps: the hook's features match model/oracle.ts, the TypeScript definition that
    /// training, the keeper and the prover use, computed from the same swaps' timestamps and ticks
    function test_features_longHistoryMatchesModelOracleTs() public {
        string[] memory times = new string[](700);
        string[] memory ticks = new string[](700);
        for (uint256 i; i < 700; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            vm.warp(block.timestamp + (r % 10 == 0 ? 60 * (r % 500) : r % 10 == 1 ? 0 : 60));
            _swapTo(key, r % 6 == 0 ? _tick(key) : int24(int256((r >> 64) % 6001) - 3000));
            times[i] = vm.toString(block.timestamp);
            ticks[i] = vm.toString(_tick(key));
            if (i == 300) _checkRecentFeatures();
        }
        _warpPeriods(key, 2);
        _checkRecentFeatures();
        uint32 asOf = _currentPeriod(key) - 1;
        string[] memory cmd = new string[](9);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4]) = ("node", "--import", "tsx", "test/sol/ffi/model.ts", "swaps");
        (cmd[5], cmd[6], cmd[7], cmd[8]) = ("60", _join(times, 0, 700), _join(ticks, 0, 700), vm.toString(asOf));
        uint256[5] memory model = abi.decode(vm.ffi(cmd), (uint256[5]));
        _assertFeatures(hook.featuresAsOf(key, asOf), model);
        for (uint256 k; k < 5; ++k) {
            assertGt(model[k], 0, "a history that exercises every feature");
        }
    }

    function test_featuresAsOf_revertsForAnOpenPeriod() public {
        uint32 current = _currentPeriod(key);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, current, current));
        hook.featuresAsOf(key, current);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, current, current));
        hook.publicSignalsFor(key, current, FEE_MIN, 0);
    }

    /// @dev Once the close of period P + 1 with a move is recorded, nothing is as of P any more: the views
    /// and updateFee all refuse it, while P + 1 and later still work
    function test_periodSuperseded_revertsEverywhere() public {
        verifier.setAcceptAll(true);
        uint32 p = _currentPeriod(key);
        _swapTo(key, 10);
        _warpPeriods(key, 1);
        _swapTo(key, 20); // records the first close, of p
        // as of p the pending close (p + 1, 20) is not counted: the stored state is as of p
        _warpPeriods(key, 1);
        hook.featuresAsOf(key, p);
        _swapTo(key, 30); // records the close of p + 1: a move of 10
        bytes memory superseded = abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, p, p + 1);
        vm.expectRevert(superseded);
        hook.featuresAsOf(key, p);
        vm.expectRevert(superseded);
        hook.publicSignalsFor(key, p, FEE_MIN, 0);
        vm.expectRevert(superseded);
        _update(p, FEE_MIN, 0);
        _assertFeatures(hook.featuresAsOf(key, p + 1), _expectedFeatures(p + 1));
        _update(p + 1, FEE_MIN, 0);
        assertEq(hook.poolState(key).lastUpdatePeriod, p + 1);
    }

    // ------------------------------------------------------------ fee updates

    function test_updateFee_setsTheProvenFee() public {
        _trade(20);
        uint32 asOf = _currentPeriod(key) - 1;
        uint256[5] memory f = _expectedFeatures(asOf);
        _assertFeatures(hook.featuresAsOf(key, asOf), f);
        verifier.expect(_expectedSignals(hook, key, MODEL, asOf, 12_345, 0x1_2345_6789, f));

        address keeper = makeAddr("keeper");
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdated(id, asOf, f, 12_345, 0x1_2345_6789, MODEL, keeper);
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        vm.prank(keeper);
        hook.updateFee(key, asOf, 12_345, 0x1_2345_6789, a, b, c);

        assertEq(_lpFee(key), 12_345);
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        assertEq(s.lastUpdatePeriod, asOf);
        assertEq(s.liveUntil, asOf + 1 + LIVENESS);
        assertFalse(s.onFallback);
        assertEq(_swapFee(key, 1), 12_345, "swaps pay the new fee");
    }

    function test_publicSignalsFor_matchesTheSpec() public {
        _trade(10);
        _warpPeriods(key, 2);
        for (uint32 back = 1; back <= 3; ++back) {
            uint32 asOf = _currentPeriod(key) - back;
            uint256[4] memory expected =
                _expectedSignals(hook, key, MODEL, asOf, 777, 2 ** 38 - 1, _expectedFeatures(asOf));
            uint256[4] memory actual = hook.publicSignalsFor(key, asOf, 777, 2 ** 38 - 1);
            for (uint256 i; i < 4; ++i) {
                assertEq(actual[i], expected[i]);
            }
            assertEq(hook.contextOf(key, asOf), expected[3]);
        }
    }

    /// @dev The oldest as-of period allowed, maxStalenessPeriods back, with the pending close in it
    function test_updateFee_acceptsTheStalestAllowedPeriod() public {
        _trade(20);
        _warpPeriods(key, 14);
        uint32 asOf = _currentPeriod(key) - 15;
        uint256[5] memory f = _expectedFeatures(asOf);
        assertGt(f[0], 0);
        verifier.expect(_expectedSignals(hook, key, MODEL, asOf, FEE_MAX, 0, f));
        _update(asOf, FEE_MAX, 0);
        assertEq(_lpFee(key), FEE_MAX);
    }

    function test_updateFee_revertsForAnOpenPeriod() public {
        uint32 current = _currentPeriod(key);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, current, current));
        _update(current, FEE_MIN, 0);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, current + 9, current));
        _update(current + 9, FEE_MIN, 0);
    }

    function test_updateFee_revertsForAPeriodNotNewer() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 2;
        _update(asOf, FEE_MIN, 0);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotNewer.selector, asOf, asOf));
        _update(asOf, FEE_MIN, 0);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotNewer.selector, asOf - 1, asOf));
        _update(asOf - 1, FEE_MIN, 0);
        _update(asOf + 1, FEE_MIN, 0);
    }

    function test_updateFee_revertsForAPeriodTooOld() public {
        verifier.setAcceptAll(true);
        uint32 current = _currentPeriod(key);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodTooOld.selector, current - 16, current));
        _update(current - 16, FEE_MIN, 0);
    }

    function test_updateFee_revertsForAFeeOutOfBounds() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 1;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.FeeOutOfBounds.selector, FEE_MIN - 1));
        _update(asOf, FEE_MIN - 1, 0);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.FeeOutOfBounds.selector, FEE_MAX + 1));
        _update(asOf, FEE_MAX + 1, 0);
    }

    /// @dev The forecast is a 38-bit lane of the terms word: a larger one would spill past the word's lanes, so
    /// it is refused before anything is packed; the largest lane value is accepted
    function test_updateFee_revertsForAForecastOutOfRange() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 1;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ForecastOutOfRange.selector, 2 ** 38));
        _update(asOf, FEE_MIN, 2 ** 38);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ForecastOutOfRange.selector, type(uint64).max));
        _update(asOf, FEE_MIN, type(uint64).max);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ForecastOutOfRange.selector, 2 ** 38));
        hook.publicSignalsFor(key, asOf, FEE_MIN, 2 ** 38);

        verifier.setAcceptAll(false);
        verifier.expect(_expectedSignals(hook, key, MODEL, asOf, FEE_MIN, 2 ** 38 - 1, _expectedFeatures(asOf)));
        _update(asOf, FEE_MIN, 2 ** 38 - 1);
    }

    function test_updateFee_revertsWhenTheVerifierSaysNo() public {
        _trade(5);
        uint32 asOf = _currentPeriod(key) - 1;
        verifier.expect(_expectedSignals(hook, key, MODEL, asOf, 1000, 4242, _expectedFeatures(asOf)));
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _update(asOf, 1001, 4242); // a proof of 1000 does not prove 1001
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _update(asOf, 1000, 4243); // nor another forecast
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _update(asOf - 1, 1000, 4242); // nor 1000 as of another period
        _update(asOf, 1000, 4242);
    }

    // ------------------------------------------------------------ malformed proofs and gas

    /// @dev Every one of the eight coordinates at the base field modulus (and at the largest word) is refused
    /// before anything is read or verified
    function test_updateFee_revertsForACoordinateOutsideTheField() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 1;
        for (uint256 i; i < 8; ++i) {
            for (uint256 v = 0; v < 2; ++v) {
                uint256 bad = v == 0 ? BASE_FIELD : type(uint256).max;
                (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = (_g1(), _g2(), _g1());
                if (i < 2) a[i] = bad;
                else if (i < 6) b[(i - 2) / 2][i % 2] = bad;
                else c[i - 6] = bad;
                vm.expectRevert(ProvenFeeHook.ProofNotInField.selector);
                hook.updateFee(key, asOf, FEE_MIN, 0, a, b, c);
            }
        }
        // the same points, in the field and on their curves, go through
        hook.updateFee(key, asOf, FEE_MIN, 0, _g1(), _g2(), _g1());
        assertEq(hook.poolState(key).lastUpdatePeriod, asOf);
    }

    /// @dev Off-curve points, including a B whose real and imaginary parts are swapped (the mistake of passing
    /// snarkjs's pi_b order straight through), are refused cheaply; the point at infinity is a valid encoding
    function test_updateFee_revertsForAPointOffItsCurve() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 1;
        uint256[2] memory g1 = [uint256(1), 2];
        uint256[2][2] memory g2 = _g2();
        uint256[2] memory offG1 = [uint256(1), 3];
        uint256[2][2] memory swapped = [[g2[0][1], g2[0][0]], [g2[1][1], g2[1][0]]];
        uint256[2][2] memory offG2 = [[g2[0][0], g2[0][1]], [g2[1][0], g2[1][1] + 1]];
        uint256[2] memory zero;
        uint256[2][2] memory zero2;

        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, FEE_MIN, 0, offG1, g2, g1);
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, FEE_MIN, 0, g1, g2, offG1);
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, FEE_MIN, 0, g1, swapped, g1);
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, FEE_MIN, 0, g1, offG2, g1);
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, FEE_MIN, 0, [uint256(0), 2], g2, g1); // half of the point at infinity

        assertLt(_gasOfRefusedUpdate(asOf, g1, swapped, g1), 50_000, "a malformed proof costs its sender little");

        hook.updateFee(key, asOf - 1, FEE_MIN, 0, zero, zero2, zero);
        hook.updateFee(key, asOf, FEE_MIN, 0, g1, g2, g1);
        assertEq(hook.poolState(key).lastUpdatePeriod, asOf);
    }

    /// @dev Too little gas left for a full verification: refused before the call, as out of gas, not as a bad
    /// proof; the same update with more gas lands
    function test_updateFee_revertsWithTooLittleGasForTheVerifier() public {
        verifier.setAcceptAll(true);
        uint32 asOf = _currentPeriod(key) - 1;
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        vm.expectPartialRevert(ProvenFeeHook.VerifierOutOfGas.selector);
        hook.updateFee{gas: 200_000}(key, asOf, FEE_MIN, 0, a, b, c);
        hook.updateFee{gas: 400_000}(key, asOf, FEE_MIN, 0, a, b, c);
        assertEq(hook.poolState(key).lastUpdatePeriod, asOf);
    }

    /// @dev A verifier that spends all the gas it is forwarded and answers false (as the snarkjs one does when a
    /// precompile runs out) is out of gas, at any gas limit, while one that answers false having run is a bad
    /// proof
    function test_updateFee_verifierThatUsesUpItsGasIsOutOfGas() public {
        ProvenFeeHook exhausted = _deployHook(new ExhaustingVerifier(), 0x5151);
        exhausted.registerModel(MODEL, 60, 30, "");
        PoolKey memory k = _keyFor(exhausted, 60);
        _createPool(exhausted, k, _config(MODEL));
        uint32 asOf = _currentPeriod(k) - 1;
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        uint256[3] memory limits = [uint256(300_000), 1_000_000, 20_000_000];
        for (uint256 i; i < 3; ++i) {
            (bool ok, bytes memory reason) = address(exhausted).call{gas: limits[i]}(
                abi.encodeCall(ProvenFeeHook.updateFee, (k, asOf, FEE_MIN, 0, a, b, c))
            );
            assertFalse(ok);
            assertEq(bytes4(reason), ProvenFeeHook.VerifierOutOfGas.selector, vm.toString(limits[i]));
            (uint256 available, uint256 required) = abi.decode(_slice4(reason), (uint256, uint256));
            assertGt(available, required, "it had what a verification at EIP-1108 prices needs");
            assertEq(required, exhausted.VERIFIER_GAS());
        }
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee{gas: 300_000}(key, asOf, FEE_MIN, 0, a, b, c);
    }

    // ------------------------------------------------------------ liveness

    function test_liveness_fallsBackOnceWhenTheKeeperGoesSilent() public {
        verifier.setAcceptAll(true);
        _swapTo(key, 10);
        _update(_currentPeriod(key) - 1, 20_000, 0);
        uint32 landed = _currentPeriod(key);

        _warpPeriods(key, LIVENESS - 1);
        assertEq(_swapFee(key, 11), 20_000, "still live");
        assertFalse(hook.poolState(key).onFallback);

        _warpPeriods(key, 1);
        assertEq(_swapFee(key, 12), FALLBACK_FEE, "the switching swap already pays the fallback fee");
        assertEq(fallbackEvents, 1);
        assertEq(_lpFee(key), FALLBACK_FEE);
        assertTrue(hook.poolState(key).onFallback);
        assertEq(_currentPeriod(key), landed + LIVENESS);

        _swapFee(key, 13);
        assertEq(fallbackEvents, 0, "only once");
        _warpPeriods(key, 5);
        _swapFee(key, 14);
        assertEq(fallbackEvents, 0, "only once");

        _update(_currentPeriod(key) - 1, 40_000, 0);
        assertFalse(hook.poolState(key).onFallback);
        assertEq(_swapFee(key, 15), 40_000);
    }

    function test_liveness_emitsTheFallbackEvent() public {
        verifier.setAcceptAll(true);
        _update(_currentPeriod(key) - 1, 20_000, 0);
        _warpPeriods(key, LIVENESS);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FallbackActivated(id, _currentPeriod(key), FALLBACK_FEE);
        _swapTo(key, 1);
    }

    // ------------------------------------------------------------ model changes

    function test_modelChange_appliesAfterTheDelay() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        uint64 readyAt = uint64(block.timestamp) + 1 days;
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelProposed(id, MODEL_2, readyAt);
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        (uint256 pending, uint64 at) = hook.pendingModel(key);
        assertEq(pending, MODEL_2);
        assertEq(at, readyAt);

        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ModelChangeNotReady.selector, readyAt));
        hook.applyModel(key);

        vm.warp(readyAt);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelApplied(id, MODEL_2, MODEL);
        vm.prank(makeAddr("anyone"));
        hook.applyModel(key);
        assertEq(hook.poolConfig(key).commitment, MODEL_2);
        assertEq(hook.publicSignalsFor(key, _currentPeriod(key) - 1, FEE_MIN, 0)[2], MODEL_2);
        (pending, at) = hook.pendingModel(key);
        assertEq(pending, 0);
        assertEq(at, 0);
        vm.expectRevert(ProvenFeeHook.NoPendingModel.selector);
        hook.applyModel(key);
    }

    function test_proposeModel_reverts() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        hook.registerModel(MODEL_30S, 30, 30, "");
        vm.expectRevert(ProvenFeeHook.NotAdmin.selector);
        hook.proposeModel(key, MODEL_2);
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ModelNotRegistered.selector, 42, 60));
        hook.proposeModel(key, 42);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ModelNotRegistered.selector, MODEL_30S, 60));
        hook.proposeModel(key, MODEL_30S);
        vm.stopPrank();
    }

    function test_cancelModel() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        vm.expectRevert(ProvenFeeHook.NoPendingModel.selector);
        vm.prank(admin);
        hook.cancelModel(key);
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.expectRevert(ProvenFeeHook.NotAdmin.selector);
        hook.cancelModel(key);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelChangeCancelled(id, MODEL_2);
        vm.prank(admin);
        hook.cancelModel(key);
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert(ProvenFeeHook.NoPendingModel.selector);
        hook.applyModel(key);
        assertEq(hook.poolConfig(key).commitment, MODEL);
    }

    function test_transferAdmin() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        address next = makeAddr("next");
        vm.expectRevert(ProvenFeeHook.NotAdmin.selector);
        hook.transferAdmin(key, next);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.AdminTransferred(id, admin, next);
        vm.prank(admin);
        hook.transferAdmin(key, next);
        assertEq(hook.poolConfig(key).admin, next);
        vm.expectRevert(ProvenFeeHook.NotAdmin.selector);
        vm.prank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.prank(next);
        hook.proposeModel(key, MODEL_2);
        // renouncing freezes the model: no one can propose again
        vm.prank(next);
        hook.transferAdmin(key, address(0));
        vm.expectRevert(ProvenFeeHook.NotAdmin.selector);
        vm.prank(next);
        hook.proposeModel(key, MODEL_2);
    }

    /// @dev The admin proposes a model, then renounces: the proposal dies with the role, so the model stays
    /// frozen even once the delay has passed
    function test_transferAdmin_toZeroCancelsThePendingModel() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        vm.startPrank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.AdminTransferred(id, admin, address(0));
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.ModelChangeCancelled(id, MODEL_2);
        hook.transferAdmin(key, address(0));
        vm.stopPrank();
        (uint256 pending, uint64 readyAt) = hook.pendingModel(key);
        assertEq(pending, 0);
        assertEq(readyAt, 0);
        vm.warp(block.timestamp + 1 days + 1);
        vm.expectRevert(ProvenFeeHook.NoPendingModel.selector);
        vm.prank(makeAddr("anyone"));
        hook.applyModel(key);
        assertEq(hook.poolConfig(key).commitment, MODEL);
        assertEq(hook.poolConfig(key).admin, address(0));
    }

    /// @dev Handing the role to another address keeps the proposal: the new admin may still cancel it
    function test_transferAdmin_toAnotherAdminKeepsThePendingModel() public {
        hook.registerModel(MODEL_2, 60, 30, "");
        address next = makeAddr("next");
        vm.startPrank(admin);
        hook.proposeModel(key, MODEL_2);
        vm.recordLogs();
        hook.transferAdmin(key, next);
        vm.stopPrank();
        assertEq(vm.getRecordedLogs().length, 1, "only AdminTransferred");
        (uint256 pending,) = hook.pendingModel(key);
        assertEq(pending, MODEL_2);
        vm.warp(block.timestamp + 1 days);
        hook.applyModel(key);
        assertEq(hook.poolConfig(key).commitment, MODEL_2);
    }

    /// @dev Renouncing with nothing pending emits no cancellation
    function test_transferAdmin_toZeroWithoutAProposal() public {
        vm.recordLogs();
        vm.prank(admin);
        hook.transferAdmin(key, address(0));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[0], ProvenFeeHook.AdminTransferred.selector);
    }

    // ------------------------------------------------------------ helpers

    /// @dev The G1 generator
    function _g1() internal pure returns (uint256[2] memory) {
        return [uint256(1), 2];
    }

    /// @dev The G2 generator in the verifier's calldata order (imaginary part first): the snarkjs key's gamma
    function _g2() internal pure returns (uint256[2][2] memory) {
        return [
            [
                11559732032986387107991004021392285783925812861821192530917403151452391805634,
                10857046999023057135944570762232829481370756359578518086990519993285655852781
            ],
            [
                4082367875863433681332203403145435568316851327593401208105741076214120093531,
                8495653923123431417604973247489272438418190587263600148770280649306958101930
            ]
        ];
    }

    /// @dev The gas an update that must revert uses out of 10 million
    function _gasOfRefusedUpdate(uint32 asOf, uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c)
        internal
        returns (uint256 used)
    {
        uint256 before = gasleft();
        (bool ok,) = address(hook).call{gas: 10_000_000}(
            abi.encodeCall(ProvenFeeHook.updateFee, (key, asOf, FEE_MIN, 0, a, b, c))
        );
        used = before - gasleft();
        assertFalse(ok);
    }

    function _slice4(bytes memory data) internal pure returns (bytes memory rest) {
        rest = new bytes(data.length - 4);
        for (uint256 i; i < rest.length; ++i) {
            rest[i] = data[i + 4];
        }
    }

    /// @dev Swaps in each of `periods` consecutive periods, then closes the last one
    function _trade(uint256 periods) internal {
        for (uint256 i; i < periods; ++i) {
            _swapTo(key, int24(int256(uint256(keccak256(abi.encode(i))) % 2001) - 1000));
            _warpPeriods(key, 1);
        }
    }

    function _update(uint32 asOf, uint24 fee, uint64 forecast) internal {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        hook.updateFee(key, asOf, fee, forecast, a, b, c);
    }

    /// @dev Features as of each of the last 15 periods equal the reference, or revert as it says
    function _checkRecentFeatures() internal {
        uint32 current = _currentPeriod(key);
        for (uint32 back = 1; back <= 15; ++back) {
            uint32 asOf = current - back;
            (bool superseded, uint32 statePeriod) = _expectedSuperseded(asOf);
            if (superseded) {
                vm.expectRevert(abi.encodeWithSelector(VarianceOracle.PeriodSuperseded.selector, asOf, statePeriod));
                hook.featuresAsOf(key, asOf);
            } else {
                _assertFeatures(hook.featuresAsOf(key, asOf), _expectedFeatures(asOf));
            }
        }
    }

    function _oracleState() internal view returns (bytes memory) {
        (bool hasClose, int24 lastCloseTick, uint32 statePeriod, uint32 firstPeriod, uint256[5] memory variances) =
            hook.oracleState(key);
        return abi.encode(hasClose, lastCloseTick, statePeriod, firstPeriod, variances);
    }

    /// @dev The reference state after the recorded closes, all stored (every one of them followed by a swap)
    function _referenceState() internal view returns (ReferenceOracle.State memory s) {
        for (uint256 i; i + 1 < closePeriods.length; ++i) {
            ReferenceOracle.record(s, closePeriods[i], closeTicks[i]);
        }
    }

    /// @dev The fee the PoolManager charged on a swap into `tick`, from its Swap event; also counts the
    /// FallbackActivated events of that swap into `fallbackEvents`
    function _swapFee(PoolKey memory k, int24 tick) internal returns (uint24 fee) {
        vm.recordLogs();
        _swapTo(k, tick);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        fallbackEvents = 0;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IPoolManager.Swap.selector) {
                (,,,,, fee) = abi.decode(logs[i].data, (int128, int128, uint160, uint128, int24, uint24));
            } else if (logs[i].topics[0] == ProvenFeeHook.FallbackActivated.selector) {
                ++fallbackEvents;
            }
        }
    }

    /// @dev parts[lo..hi) joined by commas, halving so the copies stay O(n log n)
    function _join(string[] memory parts, uint256 lo, uint256 hi) internal pure returns (string memory) {
        if (hi - lo == 1) return parts[lo];
        uint256 mid = (lo + hi) / 2;
        return string.concat(_join(parts, lo, mid), ",", _join(parts, mid, hi));
    }
}
