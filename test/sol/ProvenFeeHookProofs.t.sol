// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {ProvenFeeHook} from "../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../contracts/interfaces/IGroth16Verifier.sol";
import {ProvenFeeFixture} from "./utils/ProvenFeeFixture.sol";

/// @notice The accept path end to end: the real snarkjs verifier (contracts/verifier/Groth16Verifier.sol)
/// and real proofs generated live by prover/ffi-prove.ts from the hook's own features, for the shipped
/// default model and a second, different one; and every way of reusing a proof elsewhere is refused.
contract ProvenFeeHookProofsTest is ProvenFeeFixture {
    uint256 constant MAX_UPDATE_GAS = 300_000;
    uint256 constant BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    uint256 defaultCommitment;
    uint256 otherCommitment;
    /// @dev A second pool of the same hook with the same terms and the same history, so the same features
    PoolKey twin;
    /// @dev The same again on a second hook with the same verifier and models
    ProvenFeeHook otherHook;
    PoolKey elsewhere;
    uint32 asOf;

    function setUp() public {
        _deployInfrastructure();
        IGroth16Verifier verifier = IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
        otherHook = _deployHook(verifier, 0x7777);
        hook = otherHook;
        _register(DEFAULT_MODEL);
        hook = _deployHook(verifier, 0x6666);
        defaultCommitment = _register(DEFAULT_MODEL);
        otherCommitment = _register(OTHER_MODEL);
        assertNotEq(defaultCommitment, otherCommitment);

        key = _keyFor(hook, 60);
        twin = _keyFor(hook, 30);
        elsewhere = _keyFor(otherHook, 60);
        _createPool(hook, key, _config(defaultCommitment));
        _createPool(hook, twin, _config(defaultCommitment));
        _createPool(otherHook, elsewhere, _config(defaultCommitment));
        // small moves, so the default model's fee lands inside its bounds rather than on one
        int24 tick;
        for (uint256 i; i < 40; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            tick += int24(int256(r % 61) - 30);
            _swapTo(key, tick);
            replay.swapToTick(twin, tick);
            replay.swapToTick(elsewhere, tick);
            vm.warp(block.timestamp + 60 * (1 + r % 2));
        }
        asOf = _currentPeriod(key) - 1;
    }

    function test_realProof_setsTheFee() public {
        uint256[5] memory features = hook.featuresAsOf(key, asOf);
        _assertFeatures(features, _expectedFeatures(asOf));
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
        // the model's own value, not a bound (default model: 100..10,000 pips; pool: 500..50,000)
        assertGt(p.fee, FEE_MIN);
        assertLt(p.fee, 10_000);
        assertNotEq(p.fee, FALLBACK_FEE, "the test would not see a change");
        assertGt(p.forecast, 0);

        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdated(key.toId(), asOf, features, p.fee, p.forecast, defaultCommitment, address(this));
        _updateFee(hook, key, asOf, p);
        uint256 gasUsed = vm.snapshotGasLastCall("updateFee with a real proof");
        assertLe(gasUsed, MAX_UPDATE_GAS);
        assertEq(_lpFee(key), p.fee);
    }

    function test_realProof_rejectsTamperedInputs() public {
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);

        uint24 otherFee = p.fee == FEE_MAX ? p.fee - 1 : p.fee + 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, otherFee, p.forecast, p.a, p.b, p.c);

        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast + 1, p.a, p.b, p.c);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast - 1, p.a, p.b, p.c);

        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf - 1, p.fee, p.forecast, p.a, p.b, p.c);

        // another pool of this hook, a pool of another hook, another chain
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _updateFee(hook, twin, asOf, p);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _updateFee(otherHook, elsewhere, asOf, p);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _updateFee(hook, key, asOf, p);
        vm.chainId(chainId);

        // malformed points are refused before the verifier could burn gas on them
        uint256[2] memory a = [p.a[0], p.a[1] + 1]; // off the curve
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, a, p.b, p.c);

        uint256[2][2] memory b = [p.b[1], p.b[0]]; // the G2 point's coordinates swapped
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, p.a, b, p.c);

        b = [[p.b[0][1], p.b[0][0]], [p.b[1][1], p.b[1][0]]]; // snarkjs's pi_b order, unswapped
        vm.expectRevert(ProvenFeeHook.ProofNotOnCurve.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, p.a, b, p.c);

        // y and q - y are the same coordinate to a careless reader, but q - y + q is outside the field
        a = [p.a[0], p.a[1] + BASE_FIELD];
        vm.expectRevert(ProvenFeeHook.ProofNotInField.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, a, p.b, p.c);

        a = [p.a[0], BASE_FIELD - p.a[1]]; // -A: on the curve, but not the proof
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, a, p.b, p.c);

        uint256[2] memory c = [p.a[0], p.a[1]]; // on the curve, but the wrong point
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, p.forecast, p.a, p.b, c);

        // the twins' own proofs differ only in the context, and are accepted there
        Proof memory q = _prove(DEFAULT_MODEL, twin, asOf);
        assertEq(abi.encode(q.fee, q.forecast), abi.encode(p.fee, p.forecast));
        _updateFee(hook, twin, asOf, q);
        q = _prove(DEFAULT_MODEL, otherHook, elsewhere, asOf);
        assertEq(abi.encode(q.fee, q.forecast), abi.encode(p.fee, p.forecast));
        _updateFee(otherHook, elsewhere, asOf, q);
        _updateFee(hook, key, asOf, p);
        assertEq(_lpFee(key), p.fee);

        // and a proof counts once: replaying it is an update that is not newer
        vm.expectRevert(abi.encodeWithSelector(ProvenFeeHook.PeriodNotNewer.selector, asOf, asOf));
        _updateFee(hook, key, asOf, p);
    }

    /// @dev A real proof sent with every gas limit from too little to plenty: it lands, or reverts as out of gas
    /// (VerifierOutOfGas when the verifier is short, an empty revert when what runs after it is), never as an
    /// invalid proof. A bad proof with just enough gas is still InvalidProof.
    function test_realProof_tooLittleGasIsNeverAnInvalidProof() public {
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
        bytes memory call = abi.encodeCall(ProvenFeeHook.updateFee, (key, asOf, p.fee, p.forecast, p.a, p.b, p.c));
        (uint256 cheapestLanding, uint256 verifierOutOfGas, uint256 elsewhereOutOfGas) = _gasSweep(call, 200_000, 420_000, 2_000);
        assertGt(verifierOutOfGas, 0);
        assertGt(cheapestLanding, 0);
        assertLe(cheapestLanding, 340_000, "a keeper's usual limit (1.5 x the gas used) suffices");
        emit log_named_uint("cheapest gas limit that lands", cheapestLanding);
        emit log_named_uint("limits that ran out after the verifier", elsewhereOutOfGas);

        uint24 otherFee = p.fee == FEE_MAX ? p.fee - 1 : p.fee + 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee{gas: cheapestLanding}(key, asOf, otherFee, p.forecast, p.a, p.b, p.c);
    }

    /// @dev The one malformed point the hook's checks cannot afford to refuse: a B on the G2 twist but outside
    /// the subgroup (x = 1, cofactor clearing would cost far more than a verification). The pairing precompile
    /// refuses it and keeps the gas it was given, so it costs the sender what it forwarded, and updateFee says
    /// VerifierOutOfGas, never InvalidProof
    function test_realProof_bOutsideG2IsReportedAsOutOfGas() public {
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
        uint256[2][2] memory outsideG2 = [
            [uint256(0), 1],
            [
                5912654199736721486680175016176231956195085055698687135131307249486702594212,
                18278151005453108793778860132295291098363647455926340152056652516292830556603
            ]
        ];
        vm.expectPartialRevert(ProvenFeeHook.VerifierOutOfGas.selector);
        hook.updateFee{gas: 1_000_000}(key, asOf, p.fee, p.forecast, p.a, outsideG2, p.c);
        _updateFee(hook, key, asOf, p);
    }

    function test_realProof_onlyThePoolsModel() public {
        Proof memory other = _prove(OTHER_MODEL, key, asOf);
        assertNotEq(other.forecast, _prove(DEFAULT_MODEL, key, asOf).forecast, "another model, another output");
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _updateFee(hook, key, asOf, other);

        vm.prank(admin);
        hook.proposeModel(key, otherCommitment);
        vm.warp(block.timestamp + hook.MODEL_CHANGE_DELAY());
        hook.applyModel(key);
        _swapTo(key, 77);
        _warpPeriods(key, 1);

        uint32 later = _currentPeriod(key) - 1;
        Proof memory stale = _prove(DEFAULT_MODEL, key, later);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        _updateFee(hook, key, later, stale);
        other = _prove(OTHER_MODEL, key, later);
        _updateFee(hook, key, later, other);
        assertEq(_lpFee(key), other.fee);
    }
}
