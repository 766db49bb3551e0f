// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";

/// @notice Stands in for the snarkjs verifier on a chain whose precompiles cost more than the gas it was given
/// (or for a B point outside G2): like Groth16Verifier.sol when its pairing call fails, it hands the pairing
/// precompile all but 2,000 of its gas, the precompile consumes it, and it answers false.
contract ExhaustingVerifier is IGroth16Verifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[4] calldata)
        external
        view
        returns (bool)
    {
        assembly ("memory-safe") {
            let input := mload(0x40)
            // one pair whose G1 point (1, 1) is not on the curve: the precompile refuses it and keeps the gas
            mstore(input, 1)
            mstore(add(input, 0x20), 1)
            let ok := staticcall(sub(gas(), 2000), 8, input, 192, input, 0x20)
            if ok { invalid() }
        }
        return false;
    }
}
