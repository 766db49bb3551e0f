// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {BaseHook} from "@openzeppelin/uniswap-hooks/base/BaseHook.sol";
import {BaseDynamicFee} from "@openzeppelin/uniswap-hooks/fee/BaseDynamicFee.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";

/// @notice The gas baseline: a dynamic-fee pool whose hook has no swap callbacks (OZ BaseDynamicFee), so a
/// swap in it costs what a swap in any keeper-updated dynamic-fee pool costs.
contract BaselineDynamicFeeHook is BaseDynamicFee {
    uint24 public immutable fee;

    constructor(IPoolManager manager, uint24 fee_) BaseHook(manager) {
        fee = fee_;
    }

    function _getFee(PoolKey calldata) internal view override returns (uint24) {
        return fee;
    }
}
