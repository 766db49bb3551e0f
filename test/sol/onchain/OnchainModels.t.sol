// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {OnchainModels, IPoseidon4} from "../../../contracts/onchain/OnchainModels.sol";
import {ProvenFeeFixture} from "../utils/ProvenFeeFixture.sol";
import {FuzzFeatures} from "../utils/FuzzFeatures.sol";

/// @dev Deploys circomlibjs's Poseidon(4) from the committed creation code (contracts/onchain/Poseidon4.json)
abstract contract OnchainModelsDeployer is Test {
    function _deployModels() internal returns (OnchainModels) {
        bytes memory code = vm.parseJsonBytes(vm.readFile("contracts/onchain/Poseidon4.json"), ".bytecode");
        address poseidon;
        assembly ("memory-safe") {
            poseidon := create(0, add(code, 0x20), mload(code))
        }
        assertTrue(poseidon != address(0), "Poseidon4 deployed");
        return new OnchainModels(IPoseidon4(poseidon));
    }

    /// @dev model/'s commitment preimage and commitment of a model file or random:5:4:<seed> (test/sol/ffi/model.ts)
    function _words(string memory model) internal returns (uint256[4] memory words, uint256 commitment) {
        string[] memory cmd = new string[](6);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], cmd[5]) =
            ("node", "--import", "tsx", "test/sol/ffi/model.ts", "words", model);
        return abi.decode(vm.ffi(cmd), (uint256[4], uint256));
    }
}

/// @notice Publishing a public model: the commitment is computed on-chain from the words with the commitment's own
/// Poseidon, so the stored weights are the ones it names; and the evaluation equals model/'s evaluateFixed (ffi,
/// fuzzed). Its own FOUNDRY_PROFILE (onchain): solcjs cannot compile it in one job with every other test.
contract OnchainModelsTest is OnchainModelsDeployer {
    string constant DEFAULT_MODEL = "model/default-model.json";

    OnchainModels models;

    function setUp() public {
        models = _deployModels();
    }

    function test_publish_computesTheFilesCommitment() public {
        (uint256[4] memory words, uint256 commitment) = _words(DEFAULT_MODEL);
        assertEq(commitment, vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".commitment"));
        vm.expectEmit(true, false, false, false, address(models));
        emit OnchainModels.ModelPublished(commitment, address(0), 60, 30, address(this));
        assertEq(models.publish(words), commitment);
        uint256 gasUsed = vm.snapshotGasLastCall("publish the shipped model (Poseidon(4) + data contract)");
        emit log_named_uint("publish gas", gasUsed);
        assertEq(models.poseidon().poseidon(words), commitment);
        vm.snapshotGasLastCall("Poseidon(4) alone (circomlibjs contract), warm");
        (uint32 period, uint16 horizon) = models.periodAndHorizonOf(commitment);
        assertEq(abi.encode(period, horizon), abi.encode(uint32(60), uint16(30)));
        assertEq(abi.encode(models.wordsOf(commitment)), abi.encode(words));
        uint256[5] memory features = [uint256(3_000_000), 2_500_000, 2_000_000, 1_800_000, 1_700_000];
        models.evaluate(commitment, features, 500, 50_000);
        // warm (the test's own transaction): bench/crossover measures the cold call, 10,431
        vm.snapshotGasLastCall("evaluate the shipped model, warm");

        // again: the same data contract, no new one
        address data = models.dataOf(commitment);
        assertEq(models.publish(words), commitment);
        assertEq(models.dataOf(commitment), data);
    }

    /// @notice Words that are not the committed ones land under another commitment, never under the model's
    function test_publish_otherWordsAreAnotherCommitment() public {
        (uint256[4] memory words, uint256 commitment) = _words(DEFAULT_MODEL);
        models.publish(words);
        words[2] += 1 << 32; // w[0] one step up
        uint256 other = models.publish(words);
        assertNotEq(other, commitment);
        assertEq(models.wordsOf(commitment).levelWord + (1 << 32), words[2], "the committed words are untouched");
        (uint256[4] memory randomWords, uint256 randomCommitment) = _words("random:5:4:3");
        assertEq(models.publish(randomWords), randomCommitment, "model/'s Poseidon for a model with a correction");
    }

    function test_publish_refusesNonCanonicalWords() public {
        (uint256[4] memory words,) = _words(DEFAULT_MODEL);
        uint256[4] memory bits = [uint256(240), 224, 152, 144];
        for (uint256 i; i < 4; ++i) {
            uint256[4] memory bad = [words[0], words[1], words[2], words[3]];
            bad[i] |= 1 << bits[i];
            vm.expectRevert(abi.encodeWithSelector(OnchainModels.NotCanonical.selector, i, bad[i]));
            models.publish(bad);
        }
    }

    function test_publish_refusesABadPolicy() public {
        (uint256[4] memory words,) = _words(DEFAULT_MODEL);
        uint256 policy = words[3];
        uint256[4] memory bad = [words[0], words[1], words[2], words[3]];
        bad[3] = policy & ~(uint256(0xffffffff) << 96); // period 0
        vm.expectRevert(OnchainModels.InvalidPolicy.selector);
        models.publish(bad);
        bad[3] = policy & ~(uint256(0xffff) << 128); // horizon 0
        vm.expectRevert(OnchainModels.InvalidPolicy.selector);
        models.publish(bad);
        bad[3] = (policy & ~(uint256(0xffffff) << 48)) | uint256(10_001) << 48; // modelFeeMin > modelFeeMax
        vm.expectRevert(OnchainModels.InvalidPolicy.selector);
        models.publish(bad);
        bad[3] = (policy & ~(uint256(0xffffff) << 72)) | uint256(1_000_001) << 72; // modelFeeMax > 100%
        vm.expectRevert(OnchainModels.InvalidPolicy.selector);
        models.publish(bad);
    }

    function test_unpublished_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(OnchainModels.ModelNotPublished.selector, 42));
        models.evaluate(42, [uint256(1), 2, 3, 4, 5], 500, 50_000);
        vm.expectRevert(abi.encodeWithSelector(OnchainModels.ModelNotPublished.selector, 42));
        models.periodAndHorizonOf(42);
    }

    /// forge-config: default.fuzz.runs = 8
    /// @notice 16 random feature vectors per run (zeros, the saturated 2^38 - 1, powers of two, random bit lengths)
    /// on the shipped model and a random 5 x 4 one with an active correction: the published model's evaluation
    /// equals model/'s evaluateFixed (bench/crossover/reference.ts through ffi) to the pip and the forecast unit
    function testFuzz_evaluate_equalsModelEvaluateFixed(uint256 seed) public {
        uint256[2] memory terms = [[uint256(1), 500, 2_000][seed % 3], [uint256(1_000_000), 50_000, 3_000][seed % 3]];
        _checkAgainstReference(DEFAULT_MODEL, seed, terms);
        _checkAgainstReference(string.concat("random:5:4:", vm.toString(2000 + seed % 1000)), seed, terms);
    }

    function _checkAgainstReference(string memory ref, uint256 seed, uint256[2] memory terms) internal {
        (uint256[4] memory words, uint256 commitment) = _words(ref);
        models.publish(words);
        (uint256[5][] memory vectors, string memory arg) = _fuzzFeatures(seed, 16);
        string[] memory cmd = new string[](8);
        (cmd[0], cmd[1], cmd[2], cmd[3]) = ("node", "--import", "tsx", "bench/crossover/reference.ts");
        (cmd[4], cmd[5], cmd[6], cmd[7]) = (ref, vm.toString(terms[0]), vm.toString(terms[1]), arg);
        (, uint256[] memory forecasts, uint256[] memory fees) = abi.decode(vm.ffi(cmd), (int256[], uint256[], uint256[]));
        assertEq(fees.length, vectors.length);
        for (uint256 i; i < vectors.length; ++i) {
            (uint256 fee, uint256 forecast) = models.evaluate(commitment, vectors[i], terms[0], terms[1]);
            assertEq(fee, fees[i], "fee");
            assertEq(forecast, forecasts[i], "forecast");
        }
    }

    function _fuzzFeatures(uint256 seed, uint256 count) internal pure returns (uint256[5][] memory vectors, string memory arg) {
        vectors = new uint256[5][](count);
        for (uint256 v; v < count; ++v) {
            for (uint256 k; k < 5; ++k) {
                uint256 f = FuzzFeatures.at(seed, v, k);
                vectors[v][k] = f;
                arg = string.concat(arg, k == 0 ? (v == 0 ? "" : ";") : ",", vm.toString(f));
            }
        }
    }
}

/// @notice The circuit's side of the parity: a real proof of the shipped model on a pool's own features proves
/// exactly the fee and forecast the published model evaluates to on the same features and bounds
contract OnchainModelsCircuitParityTest is ProvenFeeFixture, OnchainModelsDeployer {
    function test_evaluate_equalsTheProvenFeeAndForecast() public {
        _deployInfrastructure();
        hook = _deployHook(IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier")), 0x6666);
        key = _keyFor(hook, 60);
        uint256 commitment = _register(DEFAULT_MODEL);
        _createPool(hook, key, _config(commitment));
        OnchainModels models = _deployModels();
        (uint256[4] memory words,) = _words(DEFAULT_MODEL);
        assertEq(models.publish(words), commitment);
        int24 tick;
        for (uint256 i; i < 24; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            tick += int24(int256(r % 301) - 150);
            _swapTo(key, tick);
            vm.warp(block.timestamp + 60 * (1 + r % 3));
            if (i < 20 && i % 4 != 3) continue;
            uint32 asOf = _currentPeriod(key) - 1;
            Proof memory p = _prove(DEFAULT_MODEL, key, asOf);
            (uint256 fee, uint256 forecast) = models.evaluate(commitment, hook.featuresAsOf(key, asOf), FEE_MIN, FEE_MAX);
            assertEq(fee, p.fee, "the circuit's fee");
            assertEq(forecast, p.forecast, "the circuit's forecast");
            _updateFee(hook, key, asOf, p);
        }
    }
}
