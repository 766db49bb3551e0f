// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {Deployers} from "@uniswap/v4-core/test/utils/Deployers.sol";
import {MockERC20} from "solmate/src/test/utils/mocks/MockERC20.sol";
import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {IHooks} from "@uniswap/v4-core/src/interfaces/IHooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {Currency} from "@uniswap/v4-core/src/types/Currency.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {ModifyLiquidityParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {ReplayRouter} from "../../../contracts/demo/ReplayRouter.sol";
import {ReferenceOracle} from "./ReferenceOracle.sol";

/// @notice The real PoolManager and routers, a ProvenFeeHook at an address carrying its permission bits,
/// and a record of every swap the tests make, from which ReferenceOracle recomputes the expected features.
abstract contract ProvenFeeFixture is Test, Deployers {
    using StateLibrary for IPoolManager;

    uint160 constant HOOK_FLAGS = Hooks.BEFORE_INITIALIZE_FLAG | Hooks.BEFORE_SWAP_FLAG;
    /// @dev A period boundary (a multiple of 60), in 2023
    uint256 constant T0 = 1_700_000_040;
    uint256 constant MODEL = 0x0badc0ffee;
    uint24 constant FEE_MIN = 500;
    uint24 constant FEE_MAX = 50_000;
    uint24 constant FALLBACK_FEE = 3000;
    uint32 constant LIVENESS = 30;
    string constant DEFAULT_MODEL = "model/default-model.json";
    string constant OTHER_MODEL = "test/fixtures/other-model.json";

    /// @dev A fee, its forecast and their Groth16 proof, as prover/ffi-prove.ts returns them
    struct Proof {
        uint24 fee;
        uint64 forecast;
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    ProvenFeeHook hook;
    ReplayRouter replay;
    /// @dev The OnchainModels the next _deployHook gives its hook (address(0): a hook without the `onchain` mode)
    address onchainModels;
    address admin = makeAddr("admin");

    /// @dev Swap record of the pool under test: the close of each traded period, as SPEC §1 defines it
    uint32[] closePeriods;
    int24[] closeTicks;

    function _deployInfrastructure() internal {
        vm.warp(T0);
        deployFreshManagerAndRouters();
        deployMintAndApprove2Currencies();
        replay = new ReplayRouter(manager);
        MockERC20(Currency.unwrap(currency0)).transfer(address(replay), 2 ** 200);
        MockERC20(Currency.unwrap(currency1)).transfer(address(replay), 2 ** 200);
    }

    /// @dev A hook that takes no batches (updateFees refuses every size)
    function _deployHook(IGroth16Verifier verifier, uint160 salt) internal returns (ProvenFeeHook h) {
        return _deployHook(verifier, ProvenFeeHook.BatchVerifiers(address(0), address(0), address(0)), salt);
    }

    function _deployHook(IGroth16Verifier verifier, ProvenFeeHook.BatchVerifiers memory batchVerifiers, uint160 salt)
        internal
        returns (ProvenFeeHook h)
    {
        address at = address(HOOK_FLAGS | (salt << 144));
        deployCodeTo("ProvenFeeHook.sol:ProvenFeeHook", abi.encode(manager, verifier, batchVerifiers, onchainModels), at);
        h = ProvenFeeHook(at);
    }

    function _config(uint256 commitment) internal view returns (ProvenFeeHook.PoolConfig memory) {
        return ProvenFeeHook.PoolConfig({
            commitment: commitment,
            poolFeeMin: FEE_MIN,
            poolFeeMax: FEE_MAX,
            fallbackFee: FALLBACK_FEE,
            period: 0,
            maxStalenessPeriods: 15,
            livenessPeriods: LIVENESS,
            admin: admin,
            verification: ProvenFeeHook.Verification.Zk
        });
    }

    function _keyFor(ProvenFeeHook h, int24 tickSpacing) internal view returns (PoolKey memory) {
        return PoolKey(currency0, currency1, LPFeeLibrary.DYNAMIC_FEE_FLAG, tickSpacing, IHooks(address(h)));
    }

    /// @dev Creates a pool with liquidity both near the price (Deployers' position) and over the full range,
    /// so swaps to any tick succeed
    function _createPool(ProvenFeeHook h, PoolKey memory k, ProvenFeeHook.PoolConfig memory config) internal {
        h.createPool(k, SQRT_PRICE_1_1, config, _commitPool(h, k, SQRT_PRICE_1_1, config));
        _addLiquidity(k);
    }

    /// @dev Commits this contract to creating `k` at `sqrtPriceX96` with `config` and moves to the next block,
    /// where the commitment can be revealed; returns the salt createPool needs
    function _commitPool(ProvenFeeHook h, PoolKey memory k, uint160 sqrtPriceX96, ProvenFeeHook.PoolConfig memory config)
        internal
        returns (bytes32 salt)
    {
        salt = keccak256(abi.encode("salt", k, sqrtPriceX96, config));
        h.commitPool(h.poolCommitmentOf(k, sqrtPriceX96, config, address(this), salt));
        vm.roll(block.number + 1);
    }

    function _addLiquidity(PoolKey memory k) internal {
        modifyLiquidityRouter.modifyLiquidity(k, LIQUIDITY_PARAMS, ZERO_BYTES);
        int24 edge = 887272 / k.tickSpacing * k.tickSpacing;
        modifyLiquidityRouter.modifyLiquidity(
            k, ModifyLiquidityParams({tickLower: -edge, tickUpper: edge, liquidityDelta: 1e18, salt: 0}), ZERO_BYTES
        );
    }

    /// @dev The real verifier, a pool of the shipped model, and 30 seeded random swaps one or two periods
    /// apart: a pool whose next update a real proof can make (the forecast tests' setting).
    /// @dev Sends `call` to the hook with every gas limit from `from` to `to` by `step`, each from the same state.
    /// Once a limit lands every larger one must; a limit that fails ran out of gas: VerifierOutOfGas when the
    /// verifier was short (never InvalidProof), an empty revert when what runs after it was
    function _gasSweep(bytes memory call, uint256 from, uint256 to, uint256 step)
        internal
        returns (uint256 cheapestLanding, uint256 verifierOutOfGas, uint256 elsewhereOutOfGas)
    {
        for (uint256 limit = from; limit <= to; limit += step) {
            uint256 snapshot = vm.snapshotState();
            (bool ok, bytes memory reason) = address(hook).call{gas: limit}(call);
            vm.revertToState(snapshot);
            if (ok) {
                if (cheapestLanding == 0) cheapestLanding = limit;
                continue;
            }
            assertEq(cheapestLanding, 0, "more gas never turns a landing into a revert");
            if (reason.length == 0) {
                ++elsewhereOutOfGas;
            } else {
                assertEq(bytes4(reason), ProvenFeeHook.VerifierOutOfGas.selector, vm.toString(limit));
                ++verifierOutOfGas;
            }
        }
    }

    function _realVerifierPoolWithSwaps() internal {
        _realVerifierPoolWithSwaps(30);
    }

    /// @dev The same, each period's move at most `maxMove` ticks either way
    function _realVerifierPoolWithSwaps(uint256 maxMove) internal {
        _deployInfrastructure();
        hook = _deployHook(IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier")), 0x6666);
        key = _keyFor(hook, 60);
        _createPool(hook, key, _config(_register(DEFAULT_MODEL)));
        int24 tick;
        for (uint256 i; i < 30; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            tick += int24(int256(r % (2 * maxMove + 1)) - int256(maxMove));
            _swapTo(key, tick);
            vm.warp(block.timestamp + 60 * (1 + r % 2));
        }
    }

    /// @dev Moves the pool into `tick` with one real swap and records it as SPEC §1 does: the first swap of
    /// a new period closes the last traded one at the tick before this swap.
    function _swapTo(PoolKey memory k, int24 tick) internal {
        uint32 p = uint32(block.timestamp / _period(k));
        if (closePeriods.length > 0 && closePeriods[closePeriods.length - 1] == p) {
            closePeriods.pop();
            closeTicks.pop();
        }
        replay.swapToTick(k, tick);
        // Until a later period trades, this period's close is the tick after its latest swap
        closePeriods.push(p);
        closeTicks.push(_tick(k));
    }

    function _warpPeriods(PoolKey memory k, uint256 n) internal {
        vm.warp(block.timestamp + n * _period(k));
    }

    function _period(PoolKey memory k) internal view returns (uint256) {
        return ProvenFeeHook(address(k.hooks)).poolState(k).period;
    }

    function _currentPeriod(PoolKey memory k) internal view returns (uint32) {
        return uint32(block.timestamp / _period(k));
    }

    function _tick(PoolKey memory k) internal view returns (int24 tick) {
        (, tick,,) = manager.getSlot0(k.toId());
    }

    function _lpFee(PoolKey memory k) internal view returns (uint24 fee) {
        (,,, fee) = manager.getSlot0(k.toId());
    }

    /// @dev The reference features as of `asOf` over the recorded closes (the last one pending or still open);
    /// fails the test if they are superseded, so only use it for as-of periods that exist
    function _expectedFeatures(uint32 asOf) internal view returns (uint256[5] memory) {
        ReferenceOracle.Features memory f = ReferenceOracle.featuresOfCloses(closePeriods, closeTicks, asOf);
        assertFalse(f.superseded, string.concat("features as of ", vm.toString(asOf), " are superseded"));
        return f.values;
    }

    /// @dev Whether the reference says the features as of `asOf` are superseded, and by a move of which period
    function _expectedSuperseded(uint32 asOf) internal view returns (bool, uint32) {
        ReferenceOracle.Features memory f = ReferenceOracle.featuresOfCloses(closePeriods, closeTicks, asOf);
        return (f.superseded, uint32(f.statePeriod));
    }

    /// @dev The public signals computed independently of PublicSignals.sol, straight from SPEC §7
    function _expectedSignals(
        ProvenFeeHook h,
        PoolKey memory k,
        uint256 commitment,
        uint32 asOf,
        uint24 fee,
        uint64 forecast,
        uint256[5] memory f
    ) internal view returns (uint256[4] memory s) {
        for (uint256 i; i < 5; ++i) {
            s[0] += f[i] * 2 ** (38 * i);
        }
        ProvenFeeHook.PoolConfig memory c = h.poolConfig(k);
        s[1] = uint256(c.poolFeeMin) + uint256(c.poolFeeMax) * 2 ** 24 + uint256(c.period) * 2 ** 48
            + uint256(fee) * 2 ** 80 + uint256(forecast) * 2 ** 104;
        s[2] = commitment;
        s[3] = uint256(keccak256(abi.encode(block.chainid, address(h), PoolId.unwrap(k.toId()), uint256(asOf)))) / 64;
    }

    function _assertFeatures(uint256[5] memory actual, uint256[5] memory expected) internal pure {
        for (uint256 i; i < 5; ++i) {
            assertEq(actual[i], expected[i], string.concat("feature ", vm.toString(i)));
        }
    }

    function _noProof() internal pure returns (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) {}

    function _register(string memory path) internal returns (uint256 commitment) {
        string memory json = vm.readFile(path);
        commitment = vm.parseJsonUint(json, ".commitment");
        hook.registerModel(
            commitment, uint32(vm.parseJsonUint(json, ".period")), uint16(vm.parseJsonUint(json, ".horizon")), path
        );
    }

    /// @dev A proof from prover/ffi-prove.ts of the fee and forecast `modelPath` computes for pool `k` of hook
    /// `h` as of `asOf`, from the features, terms and context the hook itself reports
    function _prove(string memory modelPath, ProvenFeeHook h, PoolKey memory k, uint32 asOf)
        internal
        returns (Proof memory p)
    {
        uint256[5] memory f = h.featuresAsOf(k, asOf);
        string memory csv = vm.toString(f[0]);
        for (uint256 i = 1; i < 5; ++i) {
            csv = string.concat(csv, ",", vm.toString(f[i]));
        }
        ProvenFeeHook.PoolConfig memory config = h.poolConfig(k);
        string[] memory cmd = new string[](10);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], cmd[5]) =
        ("node", "--import", "tsx", "prover/ffi-prove.ts", modelPath, csv);
        cmd[6] = vm.toString(config.poolFeeMin);
        cmd[7] = vm.toString(config.poolFeeMax);
        cmd[8] = vm.toString(config.period);
        cmd[9] = vm.toString(h.contextOf(k, asOf));
        uint256 fee;
        uint256 forecast;
        (fee, forecast, p.a, p.b, p.c) =
            abi.decode(vm.ffi(cmd), (uint256, uint256, uint256[2], uint256[2][2], uint256[2]));
        assertLe(fee, type(uint24).max, "the prover's fee fits the hook's argument");
        assertLe(forecast, type(uint64).max, "the prover's forecast fits the hook's argument");
        p.fee = uint24(fee);
        p.forecast = uint64(forecast);
    }

    function _prove(string memory modelPath, PoolKey memory k, uint32 asOf) internal returns (Proof memory) {
        return _prove(modelPath, hook, k, asOf);
    }

    function _updateFee(ProvenFeeHook h, PoolKey memory k, uint32 asOf, Proof memory p) internal {
        h.updateFee(k, asOf, p.fee, p.forecast, p.a, p.b, p.c);
    }
}
