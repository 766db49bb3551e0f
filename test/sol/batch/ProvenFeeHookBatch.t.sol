// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {ProvenFeeHook} from "../../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";

/// @notice updateFees end to end: the real batch verifiers (contracts/verifier/Groth16BatchVerifier{2,4,8}.sol)
/// and real batch proofs made live by prover/ffi-prove-batch.ts from the hook's own features, for pools with
/// different models, bounds and histories; every replay the single-pool path refuses is refused for a batch;
/// a stale or already-updated entry is skipped without wasting the rest. Its own FOUNDRY_PROFILE (batch):
/// solcjs cannot compile it in one job with every other test (foundry.toml).
contract ProvenFeeHookBatchTest is ProvenFeeFixture {
    uint256 constant BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 constant MAX_GAS_PER_POOL_AT_8 = 100_000;

    struct BatchProof {
        uint256[] fees;
        uint256[] forecasts;
        uint256[] featureWords;
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    PoolKey[8] keys;
    string[8] models;
    /// @dev Replicas of keys[0] and keys[1] on a second hook with the same verifiers: same features, other context
    ProvenFeeHook otherHook;
    PoolKey[2] elsewhere;
    /// @dev A pool of this hook left out of every batch
    PoolKey outsider;
    uint32 asOf;

    function setUp() public {
        _deployInfrastructure();
        IGroth16Verifier verifier = IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
        ProvenFeeHook.BatchVerifiers memory batchVerifiers = ProvenFeeHook.BatchVerifiers(
            deployCode("Groth16BatchVerifier2.sol:Groth16BatchVerifier2"),
            deployCode("Groth16BatchVerifier4.sol:Groth16BatchVerifier4"),
            deployCode("Groth16BatchVerifier8.sol:Groth16BatchVerifier8")
        );
        otherHook = _deployHook(verifier, batchVerifiers, 0x7777);
        hook = otherHook;
        _register(DEFAULT_MODEL);
        _register(OTHER_MODEL);
        hook = _deployHook(verifier, batchVerifiers, 0x6666);
        _register(DEFAULT_MODEL);
        _register(OTHER_MODEL);

        // eight pools: alternating models, each its own upper bound, pool 3 with the shortest staleness window;
        // tick spacings that divide the fixture's liquidity range (-120, 120)
        int24[8] memory spacings = [int24(10), 20, 30, 40, 60, 120, 12, 15];
        for (uint256 i; i < 8; ++i) {
            models[i] = i % 2 == 0 ? DEFAULT_MODEL : OTHER_MODEL;
            keys[i] = _keyFor(hook, spacings[i]);
            ProvenFeeHook.PoolConfig memory config = _config(vm.parseJsonUint(vm.readFile(models[i]), ".commitment"));
            config.poolFeeMax = uint24(FEE_MAX - 1000 * i);
            if (i == 3) config.maxStalenessPeriods = 2;
            _createPool(hook, keys[i], config);
            if (i < 2) {
                elsewhere[i] = _keyFor(otherHook, spacings[i]);
                _createPool(otherHook, elsewhere[i], config);
            }
        }
        outsider = _keyFor(hook, 8);
        _createPool(hook, outsider, _config(vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".commitment")));

        // each pool its own random walk of small moves, so the models' fees land inside the bounds
        int24[8] memory ticks;
        for (uint256 step; step < 30; ++step) {
            for (uint256 i; i < 8; ++i) {
                uint256 r = uint256(keccak256(abi.encode(i, step)));
                ticks[i] += int24(int256(r % 61) - 30);
                replay.swapToTick(keys[i], ticks[i]);
                if (i < 2) replay.swapToTick(elsewhere[i], ticks[i]);
            }
            replay.swapToTick(outsider, ticks[0]);
            vm.warp(block.timestamp + 60 * (1 + uint256(keccak256(abi.encode(step))) % 2));
        }
        asOf = _currentPeriod(keys[0]) - 1;
    }

    // ------------------------------------------------------------ gas at 2, 4 and 8 pools

    function test_updateFees8_realProof_setsEveryFee() public {
        uint256 perPool = _landBatchAndMeasure(8);
        assertLe(perPool, MAX_GAS_PER_POOL_AT_8);
    }

    function test_updateFees4_realProof_setsEveryFee() public {
        _landBatchAndMeasure(4);
    }

    function test_updateFees2_realProof_setsEveryFee() public {
        _landBatchAndMeasure(2);
    }

    /// @dev Proves the first `n` pools, lands the batch, checks every fee and event, and snapshots the total
    /// and per-pool execution gas as updateFees_<n> and updateFees_<n>_perPool
    function _landBatchAndMeasure(uint256 n) internal returns (uint256 perPool) {
        PoolKey[] memory batch = _firstPools(n);
        BatchProof memory p = _proveBatch(batch, _asOfs(n, asOf));
        ProvenFeeHook.BatchEntry[] memory entries = _entries(batch, asOf, p);
        for (uint256 i; i < n; ++i) {
            uint256[5] memory features = hook.featuresAsOf(batch[i], asOf);
            vm.expectEmit(address(hook));
            emit ProvenFeeHook.FeeUpdated(
                batch[i].toId(), asOf, features, uint24(p.fees[i]), uint64(p.forecasts[i]),
                hook.poolConfig(batch[i]).commitment, address(this)
            );
        }
        hook.updateFees(entries, p.a, p.b, p.c);
        uint256 gasUsed = vm.snapshotGasLastCall(string.concat("updateFees_", vm.toString(n)));
        perPool = gasUsed / n;
        vm.snapshotValue(string.concat("updateFees_", vm.toString(n), "_perPool"), perPool);
        emit log_named_uint(string.concat("updateFees gas per pool at N = ", vm.toString(n)), perPool);
        for (uint256 i; i < n; ++i) {
            assertEq(_lpFee(batch[i]), p.fees[i]);
            assertEq(hook.poolState(batch[i]).lastUpdatePeriod, asOf);
            assertFalse(hook.poolState(batch[i]).onFallback);
            // forecastOf holds the forecast each entry proved, for its own pool and model
            ProvenFeeHook.Forecast memory f = hook.forecastOf(batch[i].toId());
            assertEq(abi.encode(f.forecast, f.asOfPeriod, f.live), abi.encode(p.forecasts[i], asOf, true));
            assertEq(f.commitment, hook.poolConfig(batch[i]).commitment);
        }
        // the models' own values, not the fallback (the test would not see a change) nor all one value
        assertNotEq(p.fees[0], FALLBACK_FEE);
        assertNotEq(p.fees[0], p.fees[1], "two models, two fees");
    }

    /// @dev The largest batch sent with every gas limit from too little to plenty: it lands, or reverts as out of
    /// gas (VerifierOutOfGas when the verifier is short, an empty revert when what runs around it is), never as
    /// an invalid proof; so batchVerifierGas is enough for the 20-input verifier
    function test_updateFees8_tooLittleGasIsNeverAnInvalidProof() public {
        PoolKey[] memory batch = _firstPools(8);
        BatchProof memory p = _proveBatch(batch, _asOfs(8, asOf));
        bytes memory call = abi.encodeCall(ProvenFeeHook.updateFees, (_entries(batch, asOf, p), p.a, p.b, p.c));
        (uint256 cheapestLanding, uint256 verifierOutOfGas,) = _gasSweep(call, 300_000, 900_000, 5_000);
        assertGt(verifierOutOfGas, 0);
        assertGt(cheapestLanding, 0);
        emit log_named_uint("cheapest gas limit that lands 8 pools", cheapestLanding);
    }

    // ------------------------------------------------------------ replays and mutations

    function test_updateFees_rejectsEveryReplayAndMutation() public {
        PoolKey[] memory batch = _firstPools(2);
        BatchProof memory p = _proveBatch(batch, _asOfs(2, asOf));
        ProvenFeeHook.BatchEntry[] memory entries = _entries(batch, asOf, p);

        // a permuted batch: the entries swapped, each with its own fee and forecast
        ProvenFeeHook.BatchEntry[] memory permuted = _entries(batch, asOf, p);
        (permuted[0], permuted[1]) = (entries[1], entries[0]);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(permuted, p.a, p.b, p.c);

        // a fee (and forecast) moved between entries
        ProvenFeeHook.BatchEntry[] memory moved = _entries(batch, asOf, p);
        (moved[0].fee, moved[1].fee) = (entries[1].fee, entries[0].fee);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(moved, p.a, p.b, p.c);
        moved = _entries(batch, asOf, p);
        (moved[0].forecast, moved[1].forecast) = (entries[1].forecast, entries[0].forecast);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(moved, p.a, p.b, p.c);

        // one fee or forecast changed
        ProvenFeeHook.BatchEntry[] memory tampered = _entries(batch, asOf, p);
        tampered[1].fee += 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(tampered, p.a, p.b, p.c);
        tampered = _entries(batch, asOf, p);
        tampered[0].forecast -= 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(tampered, p.a, p.b, p.c);

        // another pool of this hook in place of one of the batch (same model and bounds as the one it replaces)
        ProvenFeeHook.BatchEntry[] memory swapped = _entries(batch, asOf, p);
        swapped[0].key = outsider;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(swapped, p.a, p.b, p.c);

        // another as-of period
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(_entries(batch, asOf - 1, p), p.a, p.b, p.c);

        // the same pools' replicas on another hook (same features), and another chain
        PoolKey[] memory replicas = new PoolKey[](2);
        (replicas[0], replicas[1]) = (elsewhere[0], elsewhere[1]);
        assertEq(otherHook.featuresAsOf(replicas[0], asOf)[4], hook.featuresAsOf(batch[0], asOf)[4]);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        otherHook.updateFees(_entries(replicas, asOf, p), p.a, p.b, p.c);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(entries, p.a, p.b, p.c);
        vm.chainId(chainId);

        // a pool listed twice
        ProvenFeeHook.BatchEntry[] memory twice = _entries(batch, asOf, p);
        twice[1] = entries[0];
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.DuplicatePool.selector, 0, 1));
        hook.updateFees(twice, p.a, p.b, p.c);

        // malformed points are refused before the verifier could burn gas on them
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFees(entries, [p.a[0], p.a[1] + 1], p.b, p.c);
        vm.expectRevert(ProvenFeeHook.ProofNotInField.selector);
        hook.updateFees(entries, [p.a[0], p.a[1] + BASE_FIELD], p.b, p.c);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(entries, [p.a[0], BASE_FIELD - p.a[1]], p.b, p.c); // -A: on the curve, not the proof

        // too little gas for the verifier is reported as such, not as an invalid proof
        vm.expectPartialRevert(ProvenFeeHook.VerifierOutOfGas.selector);
        hook.updateFees{gas: 250_000}(entries, p.a, p.b, p.c);
        // a B on the G2 twist but outside the subgroup (x = 1): the pairing precompile keeps the gas it was given
        uint256[2][2] memory outsideG2 = [
            [uint256(0), 1],
            [
                5912654199736721486680175016176231956195085055698687135131307249486702594212,
                18278151005453108793778860132295291098363647455926340152056652516292830556603
            ]
        ];
        vm.expectPartialRevert(ProvenFeeHook.VerifierOutOfGas.selector);
        hook.updateFees{gas: 1_000_000}(entries, p.a, outsideG2, p.c);

        // the genuine batch lands once; replayed, every entry is stale, so nothing is applied
        hook.updateFees(entries, p.a, p.b, p.c);
        assertEq(_lpFee(batch[0]), p.fees[0]);
        assertEq(_lpFee(batch[1]), p.fees[1]);
        vm.expectRevert(ProvenFeeHook.NoFreshEntry.selector);
        hook.updateFees(entries, p.a, p.b, p.c);
    }

    /// @dev The cheap refusals, which need no proof: each is checked before the verifier runs
    function test_updateFees_refusals() public {
        PoolKey[] memory batch = _firstPools(2);
        BatchProof memory p;
        p.fees = new uint256[](2);
        p.forecasts = new uint256[](2);
        p.featureWords = new uint256[](2);
        (p.fees[0], p.fees[1]) = (FALLBACK_FEE, FALLBACK_FEE);
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        ProvenFeeHook.BatchEntry[] memory entries = _entries(batch, asOf, p);

        ProvenFeeHook.BatchEntry[] memory three = new ProvenFeeHook.BatchEntry[](3);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.BatchSizeUnsupported.selector, 3));
        hook.updateFees(three, a, b, c);
        // a hook deployed without batch verifiers takes no batch at all
        ProvenFeeHook single = _deployHook(hook.verifier(), 0x5555);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.BatchSizeUnsupported.selector, 2));
        single.updateFees(entries, a, b, c);

        ProvenFeeHook.BatchEntry[] memory bad = _entries(batch, asOf, p);
        bad[1].fee = FEE_MAX - 1000 + 1; // pool 1's own upper bound is FEE_MAX - 1000
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.FeeOutOfBounds.selector, FEE_MAX - 1000 + 1));
        hook.updateFees(bad, a, b, c);
        bad = _entries(batch, asOf, p);
        bad[0].forecast = uint64(1 << 38);
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.ForecastOutOfRange.selector, uint256(1 << 38)));
        hook.updateFees(bad, a, b, c);
        bad = _entries(batch, asOf, p);
        bad[1].asOfPeriod = asOf + 1;
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotCompleted.selector, asOf + 1, asOf + 1));
        hook.updateFees(bad, a, b, c);
        bad = _entries(batch, asOf, p);
        bad[1].key = _keyFor(hook, 9); // never created
        vm.expectRevert(ProvenFeeHook.UnknownPool.selector);
        hook.updateFees(bad, a, b, c);

        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.LengthMismatch.selector, 2, 3));
        hook.batchContextOf(batch, _asOfs(3, asOf));
    }

    /// @dev The context is SPEC §7b's, computed here independently of the hook
    function test_batchContextOf_isTheSpecs() public view {
        PoolKey[] memory batch = _firstPools(2);
        uint256 expected = uint256(
            keccak256(
                abi.encode(
                    block.chainid, address(hook), batch[0].toId(), uint256(asOf), batch[1].toId(), uint256(asOf - 1)
                )
            )
        ) >> 6;
        uint32[] memory asOfs = _asOfs(2, asOf);
        asOfs[1] = asOf - 1;
        assertEq(hook.batchContextOf(batch, asOfs), expected);
    }

    // ------------------------------------------------------------ stale entries

    /// @dev A rival keeper lands pool 0's update first and pool 3's as-of period falls out of its 2-period window
    /// while the batch is in flight: the batch still verifies over all four statements, applies pools 1 and 2,
    /// and skips 0 and 3 with FeeUpdateSkipped
    function test_updateFees_skipsStaleAndRivalEntries() public {
        PoolKey[] memory batch = _firstPools(4);
        BatchProof memory p = _proveBatch(batch, _asOfs(4, asOf));
        ProvenFeeHook.BatchEntry[] memory entries = _entries(batch, asOf, p);

        Proof memory rival = _prove(DEFAULT_MODEL, batch[0], asOf);
        _updateFee(hook, batch[0], asOf, rival);
        _warpPeriods(batch[0], 2); // no swap: every other pool's features as of asOf are unchanged
        uint32 current = asOf + 3;
        assertEq(_currentPeriod(batch[0]), current);

        // a skipped entry's claimed features are still part of the proven statement
        ProvenFeeHook.BatchEntry[] memory lying = _entries(batch, asOf, p);
        lying[3].featureWord += 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFees(lying, p.a, p.b, p.c);

        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdateSkipped(batch[0].toId(), asOf, asOf, current);
        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdateSkipped(batch[3].toId(), asOf, 0, current);
        hook.updateFees(entries, p.a, p.b, p.c);
        assertEq(_lpFee(batch[0]), rival.fee);
        assertEq(_lpFee(batch[1]), p.fees[1]);
        assertEq(_lpFee(batch[2]), p.fees[2]);
        assertEq(_lpFee(batch[3]), FALLBACK_FEE, "pool 3's stale entry was not applied");
        assertEq(hook.poolState(batch[3]).lastUpdatePeriod, 0);
        assertTrue(hook.poolState(batch[3]).onFallback);
        assertEq(hook.poolState(batch[1]).lastUpdatePeriod, asOf);
        // a skipped entry leaves forecastOf alone: the rival's forecast for pool 0, none for pool 3
        assertEq(hook.forecastOf(batch[0].toId()).forecast, rival.forecast);
        assertEq(hook.forecastOf(batch[3].toId()).asOfPeriod, 0);
        assertEq(hook.forecastOf(batch[1].toId()).forecast, p.forecasts[1]);
    }

    // ------------------------------------------------------------ helpers

    function _firstPools(uint256 n) internal view returns (PoolKey[] memory batch) {
        batch = new PoolKey[](n);
        for (uint256 i; i < n; ++i) {
            batch[i] = keys[i];
        }
    }

    function _asOfs(uint256 n, uint32 period) internal pure returns (uint32[] memory asOfs) {
        asOfs = new uint32[](n);
        for (uint256 i; i < n; ++i) {
            asOfs[i] = period;
        }
    }

    function _entries(PoolKey[] memory batch, uint32 period, BatchProof memory p)
        internal
        pure
        returns (ProvenFeeHook.BatchEntry[] memory entries)
    {
        entries = new ProvenFeeHook.BatchEntry[](batch.length);
        for (uint256 i; i < batch.length; ++i) {
            entries[i] = ProvenFeeHook.BatchEntry(
                batch[i], period, uint24(p.fees[i]), uint64(p.forecasts[i]), p.featureWords[i]
            );
        }
    }

    /// @dev A proof from prover/ffi-prove-batch.ts for the pools of `batch` (of this hook, in this order), from
    /// the features, terms and batch context the hook itself reports
    function _proveBatch(PoolKey[] memory batch, uint32[] memory asOfs) internal returns (BatchProof memory p) {
        uint256 n = batch.length;
        string[] memory cmd = new string[](5 + 5 * n);
        (cmd[0], cmd[1], cmd[2], cmd[3]) = ("node", "--import", "tsx", "prover/ffi-prove-batch.ts");
        cmd[4] = vm.toString(hook.batchContextOf(batch, asOfs));
        for (uint256 i; i < n; ++i) {
            uint256[5] memory f = hook.featuresAsOf(batch[i], asOfs[i]);
            string memory csv = vm.toString(f[0]);
            for (uint256 k = 1; k < 5; ++k) {
                csv = string.concat(csv, ",", vm.toString(f[k]));
            }
            ProvenFeeHook.PoolConfig memory config = hook.poolConfig(batch[i]);
            uint256 at = 5 + 5 * i;
            cmd[at] = _modelOf(batch[i]);
            cmd[at + 1] = csv;
            cmd[at + 2] = vm.toString(config.poolFeeMin);
            cmd[at + 3] = vm.toString(config.poolFeeMax);
            cmd[at + 4] = vm.toString(config.period);
        }
        (p.fees, p.forecasts, p.featureWords, p.a, p.b, p.c) = abi.decode(
            vm.ffi(cmd), (uint256[], uint256[], uint256[], uint256[2], uint256[2][2], uint256[2])
        );
        assertEq(p.fees.length, n);
    }

    function _modelOf(PoolKey memory k) internal view returns (string memory) {
        for (uint256 i; i < 8; ++i) {
            if (PoolId.unwrap(keys[i].toId()) == PoolId.unwrap(k.toId())) return models[i];
        }
        revert("not one of the eight pools");
    }
}
