// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {ExpectingVerifier} from "../utils/ExpectingVerifier.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {ProvenFeeHookHandler} from "./ProvenFeeHookHandler.sol";

/// @notice Invariants of one hooked pool on the real PoolManager under any sequence of swaps, time jumps, fee
/// updates and model changes (ProvenFeeHookHandler; updates through a verifier double, see there).
contract ProvenFeeHookInvariantTest is ProvenFeeFixture {
    uint256 constant MODEL_2 = 0x2badc0ffee;
    uint256 constant MODEL_3 = 0x3badc0ffee;

    ProvenFeeHookHandler handler;

    function setUp() public {
        _deployInfrastructure();
        ExpectingVerifier verifier = new ExpectingVerifier();
        verifier.setAcceptAll(true);
        hook = _deployHook(verifier, 0x4444);
        uint256[] memory models = new uint256[](3);
        (models[0], models[1], models[2]) = (MODEL, MODEL_2, MODEL_3);
        for (uint256 i; i < 3; ++i) {
            hook.registerModel(models[i], 60, 30, "");
        }
        key = _keyFor(hook, 60);
        _createPool(hook, key, _config(MODEL));
        handler = new ProvenFeeHookHandler(manager, hook, replay, key, admin, models);
        // the handler swaps through the replay router, which pays from its own balance
        targetContract(address(handler));
    }

    /// @dev The PoolManager charges the fallback fee while the pool is on it, and otherwise exactly the fee of
    /// the last update that landed
    function invariant_lpFeeIsTheFallbackOrTheLastProvenFee() public view {
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        if (s.onFallback) assertEq(_lpFee(key), s.fallbackFee, "on fallback");
        else assertEq(_lpFee(key), handler.lastProvenFee(), "live");
    }

    function invariant_lpFeeWithinThePoolsBounds() public view {
        ProvenFeeHook.PoolConfig memory c = hook.poolConfig(key);
        uint24 fee = _lpFee(key);
        assertGe(fee, c.poolFeeMin);
        assertLe(fee, c.poolFeeMax);
    }

    /// @dev lastSwapPeriod, lastUpdatePeriod and the variance state's statePeriod never decrease, firstPeriod
    /// never changes once set, and firstPeriod <= statePeriod < lastSwapPeriod (checked by the handler after
    /// every call)
    function invariant_periodsNeverGoBack() public view {
        assertEq(handler.periodWentBack(), "");
    }

    /// @dev Swaps to any tick within the full-range position never revert, least of all because of the hook
    function invariant_noSwapReverts() public view {
        assertEq(handler.hookSwapReverts(), 0, "reverted in the hook");
        assertEq(handler.swapReverts(), 0, vm.toString(handler.lastSwapRevert()));
    }

    /// @dev The pool's model is always a registered one, and once the admin renounced it never changes
    function invariant_modelRegisteredAndFrozenOnceRenounced() public view {
        uint256 commitment = hook.poolConfig(key).commitment;
        assertTrue(handler.isRegistered(commitment));
        if (handler.frozenModel() != 0) {
            assertEq(commitment, handler.frozenModel());
            (uint256 pending,) = hook.pendingModel(key);
            assertEq(pending, 0, "no pending change after renouncing");
        }
    }

    /// @dev What a run exercised, for the record (forge prints it with -vv)
    function afterInvariant() public {
        emit log_named_uint("swaps", handler.swaps());
        emit log_named_uint("updates landed", handler.updatesLanded());
        emit log_named_uint("updates refused", handler.updatesRefused());
        emit log_named_uint("models applied", handler.modelsApplied());
        emit log_named_uint("fallbacks", handler.fallbacks());
    }
}
