// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {FixedPointModel} from "../libraries/FixedPointModel.sol";

/// @notice circomlib's Poseidon over 4 field elements, as deployed from contracts/onchain/Poseidon4.json
/// (circomlibjs poseidon_gencontract, `node tools/poseidon4.mjs`)
interface IPoseidon4 {
    function poseidon(uint256[4] calldata inputs) external pure returns (uint256);
}

/// @title OnchainModels
/// @notice Public models for the `onchain` verification mode (issue 15): anyone publishes a model's four committed
/// words (model/SPEC.md §6), this contract hashes them with the commitment's own Poseidon, so the words stored under
/// a commitment are by construction the ones it names, and keeps them once as a data contract's code; then anyone
/// evaluates the model (SPEC §3-5, FixedPointModel: bit for bit model/'s evaluateFixed and the circuit) on features.
/// @dev No proof and no trusted setup: the weights are public and the evaluation is the EVM's. What is not checked
/// here is what the quantizer proves off-chain for the circuit (SPEC §4's range guarantees, |Y| < 2^44): a model
/// that breaks them cannot be proven in `zk` mode, though it evaluates here without overflow (every lane is bounded).
contract OnchainModels {
    /// @notice The word has bits outside its lanes (SPEC §6): it would hash to a commitment no circuit could open
    error NotCanonical(uint256 index, uint256 word);
    /// @notice The policy word needs modelFeeMin <= modelFeeMax <= 1_000_000, a period and a horizon
    error InvalidPolicy();
    error ModelNotPublished(uint256 commitment);

    event ModelPublished(uint256 indexed commitment, address data, uint32 period, uint16 horizon, address publisher);

    /// @dev Lanes: 15 and 14 16-bit lanes, c0 (32) + 5 x 24, and the policy's 24 x 4 + 32 + 16 bits
    uint256 internal constant CORRECTION0_BITS = 240;
    uint256 internal constant CORRECTION1_BITS = 224;
    uint256 internal constant LEVEL_BITS = 152;
    uint256 internal constant POLICY_BITS = 144;
    uint256 internal constant MAX_FEE = 1_000_000;

    IPoseidon4 public immutable poseidon;
    /// @notice The data contract holding a published commitment's words: code 0x00 || words (0: not published)
    mapping(uint256 commitment => address) public dataOf;

    constructor(IPoseidon4 _poseidon) {
        poseidon = _poseidon;
    }

    /// @notice Publishes a model's committed words and returns their commitment; publishing again is a no-op
    function publish(uint256[4] calldata words) external returns (uint256 commitment) {
        uint256[4] memory bits = [CORRECTION0_BITS, CORRECTION1_BITS, LEVEL_BITS, POLICY_BITS];
        for (uint256 i; i < 4; ++i) {
            if (words[i] >> bits[i] != 0) revert NotCanonical(i, words[i]);
        }
        uint256 policy = words[3];
        uint256 feeMin = (policy >> 48) & 0xffffff;
        uint256 feeMax = (policy >> 72) & 0xffffff;
        uint32 period = uint32(policy >> 96);
        uint16 horizon = uint16(policy >> 128);
        if (feeMin > feeMax || feeMax > MAX_FEE || period == 0 || horizon == 0) revert InvalidPolicy();
        commitment = poseidon.poseidon(words);
        if (dataOf[commitment] != address(0)) return commitment;
        // SSTORE2-style: the init code returns 0x00 || words (the leading STOP keeps the data from being called)
        bytes memory init = abi.encodePacked(hex"610081_80600a3d393df3", hex"00", words);
        address data;
        assembly ("memory-safe") {
            data := create(0, add(init, 0x20), mload(init))
        }
        dataOf[commitment] = data;
        emit ModelPublished(commitment, data, period, horizon, msg.sender);
    }

    /// @notice The committed words of a published model
    function wordsOf(uint256 commitment) public view returns (FixedPointModel.CommittedModel memory model) {
        address data = dataOf[commitment];
        if (data == address(0)) revert ModelNotPublished(commitment);
        assembly ("memory-safe") {
            extcodecopy(data, model, 1, 128)
        }
    }

    /// @notice The model's period and horizon (from its policy word, so proven by the commitment)
    function periodAndHorizonOf(uint256 commitment) external view returns (uint32 period, uint16 horizon) {
        uint256 policy = wordsOf(commitment).policyWord;
        return (uint32(policy >> 96), uint16(policy >> 128));
    }

    /// @notice The fee (pips) and forecast (SPEC §5's s) of a published model on five raw features and pool bounds
    function evaluate(uint256 commitment, uint256[5] calldata features, uint256 poolFeeMin, uint256 poolFeeMax)
        external
        view
        returns (uint256 fee, uint256 forecast)
    {
        return FixedPointModel.evaluate(wordsOf(commitment), features, poolFeeMin, poolFeeMax);
    }
}
