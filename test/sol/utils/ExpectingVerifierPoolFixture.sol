// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {ExpectingVerifier} from "./ExpectingVerifier.sol";
import {ProvenFeeFixture} from "./ProvenFeeFixture.sol";

/// @notice The hook on an ExpectingVerifier (each test states which public signals it accepts) with one pool of
/// MODEL: the set-up of the hook's own tests, the forecast tests and the example consumer's
abstract contract ExpectingVerifierPoolFixture is ProvenFeeFixture {
    uint256 constant MODEL_2 = 0x2badc0ffee;

    ExpectingVerifier verifier;
    PoolId id;

    function _deployPoolOnExpectingVerifier() internal {
        _deployInfrastructure();
        verifier = new ExpectingVerifier();
        hook = _deployHook(verifier, 0x4444);
        hook.registerModel(MODEL, 60, 30, "ipfs://model");
        key = _keyFor(hook, 60);
        id = key.toId();
        _createPool(hook, key, _config(MODEL));
    }

    /// @dev An update of the pool as of `asOf` with `fee` and `forecast`, accepted by the verifier
    function _acceptedUpdate(uint32 asOf, uint24 fee, uint64 forecast) internal {
        _expectUpdate(asOf, fee, forecast);
        _sendUpdate(asOf, fee, forecast);
    }

    /// @dev Makes the verifier accept exactly a proof of `fee` and `forecast` as of `asOf` for the pool now
    function _expectUpdate(uint32 asOf, uint24 fee, uint64 forecast) internal {
        uint256[5] memory features = hook.featuresAsOf(key, asOf);
        uint256 commitment = hook.poolConfig(key).commitment;
        verifier.expect(_expectedSignals(hook, key, commitment, asOf, fee, forecast, features));
    }

    function _sendUpdate(uint32 asOf, uint24 fee, uint64 forecast) internal {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = _noProof();
        hook.updateFee(key, asOf, fee, forecast, a, b, c);
    }
}
