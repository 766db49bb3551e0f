// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @notice The Groth16 verifier that snarkjs exports for the fee circuit (contracts/verifier/Groth16Verifier.sol).
/// @dev It returns false for a bad proof, or for a public signal outside the scalar field, instead of
/// reverting: callers must check the result.
interface IGroth16Verifier {
    /// @param _pA The proof's A point
    /// @param _pB The proof's B point (coordinates in the order snarkjs exports them)
    /// @param _pC The proof's C point
    /// @param _pubSignals featureWord, termsWord, commitment and context (model/SPEC.md §7)
    /// @return True if and only if the proof verifies for these public signals
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[4] calldata _pubSignals
    ) external view returns (bool);
}
