// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";

/// @notice Stands in for the Groth16 verifier where a test checks the hook's own logic: it accepts exactly
/// the public signals the test expects, computed independently, so a wrong packing fails like a bad proof.
/// The real verifier and real proofs are exercised in ProvenFeeHookProofs.t.sol.
contract ExpectingVerifier is IGroth16Verifier {
    bytes32 public expected;
    bool public acceptAll;

    function expect(uint256[4] memory signals) external {
        expected = keccak256(abi.encode(signals));
    }

    function setAcceptAll(bool accept) external {
        acceptAll = accept;
    }

    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[4] calldata pub)
        external
        view
        returns (bool)
    {
        return acceptAll || keccak256(abi.encode(pub)) == expected;
    }
}
