// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {Deployers} from "@uniswap/v4-core/test/utils/Deployers.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {BalanceDelta} from "@uniswap/v4-core/src/types/BalanceDelta.sol";
import {SwapParams, ModifyLiquidityParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {PoolSwapTest} from "@uniswap/v4-core/src/test/PoolSwapTest.sol";

/// @notice The backtester's swap maths (backtest/pool.ts) against the real v4 PoolManager: a random
/// sequence of fee changes, mints, burns, fee pokes and swaps is generated and evaluated by the
/// TypeScript pool (test/sol/backtest/scenario.ts, through ffi), then replayed here on the
/// PoolManager. Every balance delta, the price, tick, active liquidity and both fee-growth
/// accumulators must match to the wei after every operation, and reverts must match too.
contract BacktestSwapParityTest is Test, Deployers {
    using StateLibrary for IPoolManager;

    struct Op {
        uint8 kind;
        bool zeroForOne;
        int256 amountSpecified;
        uint160 sqrtPriceLimitX96;
        int24 tickLower;
        int24 tickUpper;
        int256 liquidityDelta;
        bytes32 salt;
        uint24 fee;
        bool reverts;
    }

    struct Expect {
        int256 amount0;
        int256 amount1;
        uint160 sqrtPriceX96;
        int24 tick;
        uint128 liquidity;
        uint256 feeGrowthGlobal0X128;
        uint256 feeGrowthGlobal1X128;
    }

    struct Scenario {
        int24 tickSpacing;
        uint160 sqrtPriceX96;
        Op[] ops;
        Expect[] expects;
    }

    /// A hook address with no permission bits: valid for a dynamic-fee pool, never called.
    address constant FEE_SETTER = address(uint160(0xFEE) << 148);

    function _scenario(uint256 seed, uint256 nOps) internal returns (Scenario memory) {
        string[] memory cmd = new string[](6);
        cmd[0] = "node";
        cmd[1] = "--import";
        cmd[2] = "tsx";
        cmd[3] = "test/sol/backtest/scenario.ts";
        cmd[4] = vm.toString(seed);
        cmd[5] = vm.toString(nOps);
        return abi.decode(vm.ffi(cmd), (Scenario));
    }

    function _label(uint256 i, string memory what) internal pure returns (string memory) {
        return string.concat("op ", vm.toString(i), ": ", what);
    }

    function _run(uint256 seed, uint256 nOps) internal {
        Scenario memory s = _scenario(seed, nOps);
        deployFreshManagerAndRouters();
        deployMintAndApprove2Currencies();
        key = PoolKey(currency0, currency1, LPFeeLibrary.DYNAMIC_FEE_FLAG, s.tickSpacing, IHooks(FEE_SETTER));
        manager.initialize(key, s.sqrtPriceX96);
        PoolId id = key.toId();
        uint256 swaps;
        uint256 reverts;

        for (uint256 i = 0; i < s.ops.length; i++) {
            Op memory op = s.ops[i];
            Expect memory e = s.expects[i];
            int256 a0;
            int256 a1;
            bool reverted;
            if (op.kind == 0) {
                vm.prank(FEE_SETTER);
                try manager.updateDynamicLPFee(key, op.fee) {} catch { reverted = true; }
            } else if (op.kind == 1) {
                swaps++;
                try swapRouter.swap(
                    key,
                    SwapParams({zeroForOne: op.zeroForOne, amountSpecified: op.amountSpecified, sqrtPriceLimitX96: op.sqrtPriceLimitX96}),
                    PoolSwapTest.TestSettings({takeClaims: false, settleUsingBurn: false}),
                    ZERO_BYTES
                ) returns (BalanceDelta d) {
                    (a0, a1) = (d.amount0(), d.amount1());
                } catch {
                    reverted = true;
                }
            } else {
                try modifyLiquidityRouter.modifyLiquidity(
                    key,
                    ModifyLiquidityParams({tickLower: op.tickLower, tickUpper: op.tickUpper, liquidityDelta: op.liquidityDelta, salt: op.salt}),
                    ZERO_BYTES
                ) returns (BalanceDelta d) {
                    (a0, a1) = (d.amount0(), d.amount1());
                } catch {
                    reverted = true;
                }
            }
            if (reverted) reverts++;
            assertEq(reverted, op.reverts, _label(i, "reverts"));
            assertEq(a0, e.amount0, _label(i, "amount0"));
            assertEq(a1, e.amount1, _label(i, "amount1"));
            (uint160 sqrtPriceX96, int24 tick,,) = manager.getSlot0(id);
            assertEq(sqrtPriceX96, e.sqrtPriceX96, _label(i, "sqrtPriceX96"));
            assertEq(tick, e.tick, _label(i, "tick"));
            assertEq(manager.getLiquidity(id), e.liquidity, _label(i, "liquidity"));
            (uint256 g0, uint256 g1) = manager.getFeeGrowthGlobals(id);
            assertEq(g0, e.feeGrowthGlobal0X128, _label(i, "feeGrowthGlobal0X128"));
            assertEq(g1, e.feeGrowthGlobal1X128, _label(i, "feeGrowthGlobal1X128"));
        }
        emit log_named_uint("ops", s.ops.length);
        emit log_named_uint("swaps", swaps);
        emit log_named_uint("reverts (matched)", reverts);
    }

    function test_parity_seed1() public { _run(1, 150); }
    function test_parity_seed2() public { _run(2, 150); }
    function test_parity_seed3() public { _run(3, 150); }
    function test_parity_seed4() public { _run(4, 150); }
    function test_parity_seed5() public { _run(5, 150); }
    function test_parity_seed6() public { _run(6, 150); }
    function test_parity_seed7() public { _run(7, 150); }
    function test_parity_seed8() public { _run(8, 150); }
}
