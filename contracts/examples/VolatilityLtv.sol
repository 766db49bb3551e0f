// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {ProvenFeeHook} from "../ProvenFeeHook.sol";

/// @title VolatilityLtv
/// @notice An example consumer of the proven forecast: a lending market's loan-to-value limit for collateral
/// priced in a ProvenFeeHook pool, cut by a multiple of the pool's proven volatility over the market's
/// liquidation horizon. maxLtvBps = max(minLtvBps, baseLtvBps - sigmaMultipleX100 / 100 * sigma), sigma in bp
/// (one tick is 1 bp of price).
/// @dev What it relies on, and checks, before using a forecast: one exists, it still sets the pool's fee (not
/// on fallback), it is at most maxAgePeriods old, it comes from the one model commitment this market accepts
/// (a pool admin may switch models after the hook's delay: the market then refuses until it is reconfigured),
/// and that model's registered horizon is the horizon the market was configured for (no rescaling by a square
/// root). Every refusal is a revert: a market that cannot price risk should stop lending, not guess.
contract VolatilityLtv {
    /// @notice The pool has had no proven update yet
    error NoForecast();
    /// @notice The pool is on its fallback fee: its keeper has been silent for livenessPeriods periods
    error ForecastNotLive();
    /// @notice The forecast is `age` periods old, more than the market accepts
    error ForecastStale(uint32 age, uint32 maxAgePeriods);
    /// @notice The forecast comes from a model this market did not accept
    error ModelNotAccepted(uint256 commitment);
    /// @notice The model forecasts over another horizon than the market's (0: unknown or disputed)
    error HorizonMismatch(uint16 horizon, uint16 expected);
    error InvalidParameters();

    ProvenFeeHook public immutable hook;
    PoolId public immutable poolId;
    uint256 public immutable acceptedCommitment;
    uint16 public immutable horizon;
    uint32 public immutable maxAgePeriods;
    uint16 public immutable baseLtvBps;
    uint16 public immutable minLtvBps;
    /// @notice The haircut in sigmas, times 100 (300: a 3-sigma move over the horizon)
    uint32 public immutable sigmaMultipleX100;

    constructor(
        ProvenFeeHook _hook,
        PoolId _poolId,
        uint256 _acceptedCommitment,
        uint16 _horizon,
        uint32 _maxAgePeriods,
        uint16 _baseLtvBps,
        uint16 _minLtvBps,
        uint32 _sigmaMultipleX100
    ) {
        if (_minLtvBps > _baseLtvBps || _baseLtvBps > 10_000 || _horizon == 0) revert InvalidParameters();
        (hook, poolId, acceptedCommitment, horizon, maxAgePeriods) =
            (_hook, _poolId, _acceptedCommitment, _horizon, _maxAgePeriods);
        (baseLtvBps, minLtvBps, sigmaMultipleX100) = (_baseLtvBps, _minLtvBps, _sigmaMultipleX100);
    }

    /// @notice The pool's proven volatility over the horizon in bp at scale 2^33: SPEC §5's sigmaQ, the
    /// piecewise-linear exp2 of half the forecast (the fee circuit computes the same value from the same forecast)
    function sigmaQ() public view returns (uint256) {
        ProvenFeeHook.Forecast memory f = hook.forecastOf(poolId);
        if (f.asOfPeriod == 0) revert NoForecast();
        if (!f.live) revert ForecastNotLive();
        uint32 age = f.currentPeriod - f.asOfPeriod;
        if (age > maxAgePeriods) revert ForecastStale(age, maxAgePeriods);
        if (f.commitment != acceptedCommitment) revert ModelNotAccepted(f.commitment);
        if (f.horizon != horizon) revert HorizonMismatch(f.horizon, horizon);
        // s < 2^38, so I < 2^5 and sigmaQ < 2^66
        uint256 s = f.forecast;
        return ((1 << 33) + (s & ((1 << 33) - 1))) << (s >> 33);
    }

    /// @notice The loan-to-value limit now, in basis points
    function maxLtvBps() external view returns (uint256) {
        uint256 haircut = sigmaQ() * sigmaMultipleX100 / (100 << 33);
        return haircut + minLtvBps >= baseLtvBps ? minLtvBps : baseLtvBps - haircut;
    }
}
