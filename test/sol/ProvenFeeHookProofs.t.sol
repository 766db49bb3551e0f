// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {ProvenFeeHook} from "../../contracts/ProvenFeeHook.sol";
import {IGroth16Verifier} from "../../contracts/interfaces/IGroth16Verifier.sol";
import {ProvenFeeFixture} from "./utils/ProvenFeeFixture.sol";

/// @notice The accept path end to end: the real snarkjs verifier (contracts/verifier/Groth16Verifier.sol)
/// and real proofs generated live by prover/ffi-prove.ts from the hook's own features, for the shipped
/// default model and a second, different one.
contract ProvenFeeHookProofsTest is ProvenFeeFixture {
    uint256 constant MAX_UPDATE_GAS = 300_000;

    uint256 defaultCommitment;
    uint256 otherCommitment;
    /// @dev A second pool with the same terms and the same history, so the same features
    PoolKey twin;

    function setUp() public {
        _deployInfrastructure();
        IGroth16Verifier verifier = IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
        hook = _deployHook(verifier, 0x6666);
        defaultCommitment = _register(DEFAULT_MODEL);
        otherCommitment = _register(OTHER_MODEL);
        assertNotEq(defaultCommitment, otherCommitment);

        key = _keyFor(hook, 60);
        twin = _keyFor(hook, 30);
        _createPool(hook, key, _config(defaultCommitment));
        _createPool(hook, twin, _config(defaultCommitment));
        for (uint256 i; i < 40; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            int24 tick = int24(int256(r % 4001) - 2000);
            _swapTo(key, tick);
            replay.swapToTick(twin, tick);
            vm.warp(block.timestamp + 60 * (1 + r % 2));
        }
    }

    function test_realProof_setsTheFee() public {
        uint32 asOf = _currentPeriod(key) - 1;
        uint256[12] memory features = hook.featuresAsOf(key, asOf);
        _assertFeatures(features, _expectedFeatures(asOf));
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);

        vm.expectEmit(address(hook));
        emit ProvenFeeHook.FeeUpdated(key.toId(), asOf, features, p.fee, defaultCommitment, address(this));
        hook.updateFee(key, asOf, p.fee, p.a, p.b, p.c);
        uint256 gasUsed = vm.snapshotGasLastCall("updateFee with a real proof");
        assertLe(gasUsed, MAX_UPDATE_GAS);
        assertEq(_lpFee(key), p.fee);
        assertNotEq(p.fee, FALLBACK_FEE, "the test would not see a change");
    }

    function test_realProof_rejectsTamperedInputs() public {
        uint32 asOf = _currentPeriod(key) - 1;
        Proof memory p = _prove(DEFAULT_MODEL, key, asOf);

        uint24 otherFee = p.fee == FEE_MAX ? p.fee - 1 : p.fee + 1;
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, otherFee, p.a, p.b, p.c);

        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf - 1, p.fee, p.a, p.b, p.c);

        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(twin, asOf, p.fee, p.a, p.b, p.c);

        uint256[2] memory a = [p.a[0], p.a[1] + 1]; // off the curve
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, a, p.b, p.c);

        uint256[2] memory c = [p.a[0], p.a[1]]; // on the curve, but the wrong point
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, p.fee, p.a, p.b, c);

        // the twin's own proof differs only in the context, and is accepted there
        Proof memory q = _prove(DEFAULT_MODEL, twin, asOf);
        assertEq(q.fee, p.fee);
        hook.updateFee(twin, asOf, q.fee, q.a, q.b, q.c);
        hook.updateFee(key, asOf, p.fee, p.a, p.b, p.c);
        assertEq(_lpFee(key), p.fee);
    }

    function test_realProof_onlyThePoolsModel() public {
        uint32 asOf = _currentPeriod(key) - 1;
        Proof memory other = _prove(OTHER_MODEL, key, asOf);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, other.fee, other.a, other.b, other.c);

        vm.prank(admin);
        hook.proposeModel(key, otherCommitment);
        vm.warp(block.timestamp + hook.MODEL_CHANGE_DELAY());
        hook.applyModel(key);
        _swapTo(key, 77);
        _warpPeriods(key, 1);

        asOf = _currentPeriod(key) - 1;
        Proof memory stale = _prove(DEFAULT_MODEL, key, asOf);
        vm.expectRevert(ProvenFeeHook.InvalidProof.selector);
        hook.updateFee(key, asOf, stale.fee, stale.a, stale.b, stale.c);
        other = _prove(OTHER_MODEL, key, asOf);
        hook.updateFee(key, asOf, other.fee, other.a, other.b, other.c);
        assertEq(_lpFee(key), other.fee);
    }
}
