// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {CustomRevert} from "@uniswap/v4-core/src/libraries/CustomRevert.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {ReplayRouter} from "../../../contracts/demo/ReplayRouter.sol";

/// @notice What the invariant runner calls: swaps on the real PoolManager, time jumps, fee updates and model
/// changes on one pool, in random order. Each action records what it did (the ghost state) and checks, after
/// the fact, what can only be checked across calls: that no period bookkeeping went backwards.
/// @dev Updates go through the test double ExpectingVerifier set to accept any proof: a real proof (prover/
/// over ffi) costs about a second, and an invariant run makes tens of thousands of calls. The hook's own checks
/// (periods, staleness, bounds, point encoding) all still run; the proof path is covered by
/// ProvenFeeHookProofs.t.sol.
contract ProvenFeeHookHandler is Test {
    using StateLibrary for IPoolManager;

    IPoolManager immutable manager;
    ProvenFeeHook immutable hook;
    ReplayRouter immutable replay;
    address immutable admin;
    PoolKey key;
    uint256[] models;

    /// @notice The fee of the last update that landed, 0 before any
    uint24 public lastProvenFee;
    /// @notice The model when the admin renounced, 0 while there is an admin
    uint256 public frozenModel;
    /// @notice Swaps that reverted, and how many of those the hook caused (a WrappedError naming it)
    uint256 public swapReverts;
    uint256 public hookSwapReverts;
    bytes public lastSwapRevert;
    /// @notice Set when a period counter was seen to go backwards; which one, and from and to what
    string public periodWentBack;

    uint256 public swaps;
    uint256 public updatesLanded;
    uint256 public updatesRefused;
    uint256 public modelsApplied;
    uint256 public fallbacks;

    uint32 lastSwapPeriodSeen;
    uint32 statePeriodSeen;
    uint32 firstPeriodSeen;
    uint32 lastUpdatePeriodSeen;

    constructor(IPoolManager manager_, ProvenFeeHook hook_, ReplayRouter replay_, PoolKey memory key_, address admin_, uint256[] memory models_) {
        (manager, hook, replay, key, admin, models) = (manager_, hook_, replay_, key_, admin_, models_);
    }

    function swap(uint256 seed) external {
        int24 target = int24(int256(_bound(seed, 0, 400_000)) - 200_000);
        // mostly small moves around the current tick, now and then a jump anywhere
        if (seed % 4 != 0) {
            (, int24 tick,,) = manager.getSlot0(key.toId());
            target = int24(_bound(int256(tick) + int256((seed >> 32) % 601) - 300, -200_000, 200_000));
        }
        bool wasOnFallback = hook.poolState(key).onFallback;
        try replay.swapToTick(key, target) {
            ++swaps;
            if (!wasOnFallback && hook.poolState(key).onFallback) ++fallbacks;
        } catch (bytes memory reason) {
            ++swapReverts;
            lastSwapRevert = reason;
            if (bytes4(reason) == CustomRevert.WrappedError.selector) {
                (address target_,,,) = abi.decode(_afterSelector(reason), (address, bytes4, bytes, bytes));
                if (target_ == address(hook)) ++hookSwapReverts;
            }
        }
        _checkPeriods();
    }

    /// @dev Seconds to a few periods, sometimes past the liveness window, one time in five up to two days (past
    /// the model change delay)
    function warp(uint256 seed) external {
        seed = _mix(seed);
        uint256 period = hook.poolState(key).period;
        uint256 kind = seed % 10;
        uint256 periods = kind < 5 ? (seed >> 8) % 3 : kind < 8 ? (seed >> 8) % 40 : (seed >> 8) % 2880;
        vm.warp(block.timestamp + periods * period + (seed >> 32) % period);
        vm.roll(block.number + 1 + periods);
        _checkPeriods();
    }

    /// @dev An update as of one of the last few periods with a fee near (and sometimes outside) the pool's bounds
    function updateFee(uint256 seed) external {
        seed = _mix(seed);
        ProvenFeeHook.PoolConfig memory c = hook.poolConfig(key);
        uint32 current = hook.currentPeriod(key);
        uint32 asOf = current - 1 - uint32((seed >> 8) % 18);
        uint24 fee = uint24(_bound(seed >> 64, uint256(c.poolFeeMin) - 20, uint256(c.poolFeeMax) + 20));
        uint64 forecast = uint64((seed >> 128) % (1 << 38));
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory pc) = _noProof();
        try hook.updateFee(key, asOf, fee, forecast, a, b, pc) {
            ++updatesLanded;
            lastProvenFee = fee;
        } catch {
            ++updatesRefused;
        }
        _checkPeriods();
    }

    /// @dev Replaces a pending proposal (restarting its delay) only one time in eight, so that some get applied
    function proposeModel(uint256 seed) external {
        seed = _mix(seed);
        (, uint64 readyAt) = hook.pendingModel(key);
        if (readyAt != 0 && seed % 8 != 0) return;
        vm.prank(admin);
        try hook.proposeModel(key, models[seed % models.length]) {} catch {}
    }

    function applyModel() external {
        try hook.applyModel(key) {
            ++modelsApplied;
        } catch {}
    }

    /// @dev Cancels one time in sixteen, so that most proposals live to be applied
    function cancelModel(uint256 seed) external {
        if (_mix(seed) % 16 != 0) return;
        vm.prank(admin);
        try hook.cancelModel(key) {} catch {}
    }

    /// @dev Renounces one time in 400 (in about one run in six), freezing the model for the rest of the run
    function renounceAdmin(uint256 seed) external {
        if (_mix(seed) % 400 != 0 || frozenModel != 0) return;
        vm.prank(admin);
        hook.transferAdmin(key, address(0));
        frozenModel = hook.poolConfig(key).commitment;
    }

    function isRegistered(uint256 commitment) external view returns (bool) {
        for (uint256 i; i < models.length; ++i) {
            if (models[i] == commitment) return true;
        }
        return false;
    }

    function _checkPeriods() internal {
        ProvenFeeHook.PoolState memory s = hook.poolState(key);
        (bool hasClose,, uint32 statePeriod, uint32 firstPeriod,) = hook.oracleState(key);
        _notBack("lastSwapPeriod", lastSwapPeriodSeen, s.lastSwapPeriod);
        _notBack("lastUpdatePeriod", lastUpdatePeriodSeen, s.lastUpdatePeriod);
        if (hasClose) {
            _notBack("statePeriod", statePeriodSeen, statePeriod);
            if (firstPeriodSeen != 0 && firstPeriod != firstPeriodSeen) periodWentBack = "firstPeriod changed";
            if (statePeriod < firstPeriod || statePeriod >= s.lastSwapPeriod) {
                periodWentBack = "statePeriod outside [firstPeriod, lastSwapPeriod)";
            }
            (statePeriodSeen, firstPeriodSeen) = (statePeriod, firstPeriod);
        }
        (lastSwapPeriodSeen, lastUpdatePeriodSeen) = (s.lastSwapPeriod, s.lastUpdatePeriod);
    }

    function _notBack(string memory name, uint32 seen, uint32 now_) internal {
        if (now_ < seen) {
            periodWentBack = string.concat(name, " went from ", vm.toString(seen), " to ", vm.toString(now_));
        }
    }

    /// @dev The fuzzer favours small and edge values (0 above all); decisions by residue need them spread out
    function _mix(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed)));
    }

    function _noProof() internal pure returns (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) {}

    function _afterSelector(bytes memory data) internal pure returns (bytes memory rest) {
        rest = new bytes(data.length - 4);
        for (uint256 i; i < rest.length; ++i) {
            rest[i] = data[i + 4];
        }
    }
}
