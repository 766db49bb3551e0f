// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {IUnlockCallback} from "@uniswap/v4-core/src/interfaces/callback/IUnlockCallback.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {SwapParams, ModifyLiquidityParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {IERC20Minimal} from "@uniswap/v4-core/src/interfaces/external/IERC20Minimal.sol";

/// @notice Replays a historical tick path on a real pool: each call moves the pool's price into a
/// given tick with one swap, paying from this contract's own token balance. The demo and the
/// end-to-end tests use it to put real history on-chain; it is not part of the product.
contract ReplayRouter is IUnlockCallback {
    using StateLibrary for IPoolManager;

    error NotPoolManager();

    IPoolManager public immutable manager;

    enum Action {
        Swap,
        ModifyLiquidity
    }

    constructor(IPoolManager manager_) {
        manager = manager_;
    }

    /// @notice Moves the price to a point inside `targetTick` (a quarter, half or three quarters of
    /// the way to the next tick, whichever differs from the current price), so every call is a real
    /// swap even when the tick does not change, as a traded period with an unchanged close.
    function swapToTick(PoolKey calldata key, int24 targetTick) external returns (int24 tickAfter) {
        (uint160 current,,,) = manager.getSlot0(key.toId());
        uint160 lower = TickMath.getSqrtPriceAtTick(targetTick);
        uint160 upper = TickMath.getSqrtPriceAtTick(targetTick + 1);
        uint160 target;
        for (uint160 k = 2; k <= 4; k++) {
            target = lower + uint160((uint256(upper - lower) * (k % 3 + 1)) / 4);
            if (target != current) break;
        }
        bool zeroForOne = target < current;
        manager.unlock(
            abi.encode(
                Action.Swap,
                key,
                abi.encode(
                    SwapParams({zeroForOne: zeroForOne, amountSpecified: -int256(uint256(type(uint128).max)), sqrtPriceLimitX96: target})
                )
            )
        );
        (, tickAfter,,) = manager.getSlot0(key.toId());
    }

    function modifyLiquidity(PoolKey calldata key, ModifyLiquidityParams calldata params) external {
        manager.unlock(abi.encode(Action.ModifyLiquidity, key, abi.encode(params)));
    }

    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        if (msg.sender != address(manager)) revert NotPoolManager();
        (Action action, PoolKey memory key, bytes memory params) = abi.decode(data, (Action, PoolKey, bytes));
        BalanceDelta delta;
        if (action == Action.Swap) {
            delta = manager.swap(key, abi.decode(params, (SwapParams)), "");
        } else {
            (delta,) = manager.modifyLiquidity(key, abi.decode(params, (ModifyLiquidityParams)), "");
        }
        _settle(key.currency0, delta.amount0());
        _settle(key.currency1, delta.amount1());
        return "";
    }

    function _settle(Currency currency, int128 amount) private {
        if (amount < 0) {
            manager.sync(currency);
            IERC20Minimal(Currency.unwrap(currency)).transfer(address(manager), uint256(uint128(-amount)));
            manager.settle();
        } else if (amount > 0) {
            manager.take(currency, address(this), uint256(uint128(amount)));
        }
    }
}
