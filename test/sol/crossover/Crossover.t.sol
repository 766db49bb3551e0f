// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {PublicSignals} from "../../../contracts/libraries/PublicSignals.sol";
import {FixedPointModel} from "../../../contracts/libraries/FixedPointModel.sol";
import {OnchainFeeEvaluator} from "../../../bench/crossover/OnchainFeeEvaluator.sol";
import {ModelDeployer} from "../../../bench/crossover/ModelDeployer.sol";
import {FuzzFeatures} from "../utils/FuzzFeatures.sol";

/// @dev Measures one STATICCALL in a frame of its own, so the figure carries no memory-expansion cost of the caller:
/// the gas between just before and just after the call (the call, its cold accesses and the callee's execution)
contract GasMeter {
    function measure(address target, bytes calldata data) external returns (uint256 used, bytes memory ret) {
        bool ok;
        assembly {
            let ptr := mload(0x40)
            calldatacopy(ptr, data.offset, data.length)
            let g := gas()
            ok := staticcall(gas(), target, ptr, data.length, 0, 0)
            used := sub(g, gas())
        }
        require(ok, "measured call reverted");
        ret = new bytes(0);
        assembly {
            let size := returndatasize()
            ret := mload(0x40)
            mstore(ret, size)
            returndatacopy(add(ret, 32), 0, size)
            mstore(0x40, add(add(ret, 32), and(add(size, 31), not(31))))
        }
    }
}

/// @notice When would evaluating the model on-chain beat verifying its Groth16 proof? (bench/crossover/README.md,
/// model revision 2.) Parity of the on-chain evaluation (FixedPointModel on the committed words, and
/// OnchainFeeEvaluator's general layouts) with model/ (fixture from bench/crossover/fixtures.ts, and a fuzz test
/// against model/'s evaluateFixed through ffi), then the gas of the two paths: the repo's Groth16 verifier with a
/// real proof (prover/ffi-prove.ts), and on-chain evaluation by model size with the crossover found by search.
/// The gas tests run isolated (forge-config isolate: every call the test makes is a transaction of its own), so each
/// measured call finds its target, its data contracts and their storage cold, as the first call of a transaction
/// does (forge 1.7.1's vm.cool leaves them warm: measured, see bench/crossover/README.md); the figure is the gas
/// between just before and just after that STATICCALL (GasMeter), without the outer transaction's calldata.
/// Lines starting with "CROSSOVER" are parsed by bench/crossover.bench.ts.
contract CrossoverTest is Test {
    string constant FIXTURE = "bench/crossover/fixtures.json";
    string constant DEFAULT_MODEL = "model/default-model.json";
    uint256 constant POOL_FEE_MIN = 500;
    uint256 constant POOL_FEE_MAX = 50_000;
    uint256 constant PERIOD = 60;
    /// @dev Seeds of the random models of the gas sweep: one per size, away from the fixture's
    uint256 constant SWEEP_SEED = 1000;

    OnchainFeeEvaluator evaluator;
    ModelDeployer deployer;
    IGroth16Verifier verifier;
    GasMeter meter;
    string fixture;

    function setUp() public {
        evaluator = new OnchainFeeEvaluator();
        deployer = new ModelDeployer();
        meter = new GasMeter();
        verifier = IGroth16Verifier(deployCode("Groth16Verifier.sol:Groth16Verifier"));
        fixture = vm.readFile(FIXTURE);
    }

    // ---- parity ---------------------------------------------------------------------------------------------

    /// @notice The shipped model (the fixture's snapshot of model/default-model.json): the library on its committed
    /// words and both general layouts, from code and from storage, give the Y, forecast and fee of model/'s
    /// evaluateFixed on real features; the words the deployer packs are model/commitment.ts's
    function test_parity_shippedModel() public {
        ModelDeployer.Net memory net = _netFromJson(fixture, ".defaultModel", _fixturePeriod(), _fixtureHorizon());
        _checkWords(net, ".defaultModel.words");
        assertEq(_checkCases(net, ".defaultModel.cases"), 9, "fixture cases");
    }

    /// @notice Random models: the shipped shape with a correction that is not zero (the shipped model's is), K = 10
    /// and 20 features, and J = 3000 (weights over several data contracts in both layouts)
    function test_parity_randomModels() public {
        uint256 models;
        for (; vm.keyExistsJson(fixture, _at(".random", models)); ++models) {
            string memory at = _at(".random", models);
            ModelDeployer.Net memory net = deployer.randomNet(
                vm.parseJsonUint(fixture, string.concat(at, ".k")),
                vm.parseJsonUint(fixture, string.concat(at, ".j")),
                vm.parseJsonUint(fixture, string.concat(at, ".seed"))
            );
            if (vm.keyExistsJson(fixture, string.concat(at, ".words"))) _checkWords(net, string.concat(at, ".words"));
            assertGt(_checkCases(net, string.concat(at, ".cases")), 2, "fixture cases");
        }
        assertEq(models, 5, "fixture models");
    }

    /// forge-config: default.fuzz.runs = 8
    /// @notice 16 random feature vectors per run (zeros, the saturated 2^38 - 1, powers of two, random bit lengths),
    /// the shipped model and a random 5 x 4 one: every on-chain path against model/'s evaluateFixed (ffi)
    function testFuzz_parity_againstModelReference(uint256 seed) public {
        (uint256[][] memory vectors, string memory arg) = _fuzzFeatures(seed, 16);
        uint256[2] memory terms = [[uint256(1), 500, 2_000][seed % 3], [uint256(1_000_000), 50_000, 3_000][seed % 3]];
        uint256 randomSeed = 2000 + seed % 1000;
        _checkAgainstReference(_netFromJson(vm.readFile(DEFAULT_MODEL), "", PERIOD, 30), DEFAULT_MODEL, vectors, arg, terms);
        _checkAgainstReference(
            deployer.randomNet(5, 4, randomSeed), string.concat("random:5:4:", vm.toString(randomSeed)), vectors, arg, terms
        );
    }

    /// @dev bench/crossover/reference.ts's Y, forecast and fee for every vector against the general layouts and the
    /// library (all from code; the fixture tests cover storage)
    function _checkAgainstReference(
        ModelDeployer.Net memory net,
        string memory ref,
        uint256[][] memory vectors,
        string memory arg,
        uint256[2] memory terms
    ) internal {
        string[] memory cmd = new string[](8);
        (cmd[0], cmd[1], cmd[2], cmd[3]) = ("node", "--import", "tsx", "bench/crossover/reference.ts");
        (cmd[4], cmd[5], cmd[6], cmd[7]) = (ref, vm.toString(terms[0]), vm.toString(terms[1]), arg);
        (int256[] memory ys, uint256[] memory forecasts, uint256[] memory fees) =
            abi.decode(vm.ffi(cmd), (int256[], uint256[], uint256[]));
        assertEq(ys.length, vectors.length, "reference answers");
        address[3] memory models = [deployer.deploy(net, 0), deployer.deploy(net, 1), deployer.deployCommitted(net)];
        for (uint256 i; i < vectors.length; ++i) {
            for (uint256 kernel; kernel < 2; ++kernel) {
                assertEq(evaluator.forecastLog2(models[kernel], vectors[i], false), ys[i], "Y, general layout");
                (uint256 fee, uint256 forecast) = evaluator.fee(models[kernel], vectors[i], terms[0], terms[1], false);
                assertEq(fee, fees[i], "fee, general layout");
                assertEq(forecast, forecasts[i], "forecast, general layout");
            }
            uint256[5] memory f5 = _five(vectors[i]);
            assertEq(evaluator.forecastLog2Committed(models[2], f5, false), ys[i], "Y, library");
            (uint256 feeC, uint256 forecastC) = evaluator.feeCommitted(models[2], f5, terms[0], terms[1], false);
            assertEq(feeC, fees[i], "fee, library");
            assertEq(forecastC, forecasts[i], "forecast, library");
        }
    }

    struct Case {
        uint256[] features;
        uint256 poolFeeMin;
        uint256 poolFeeMax;
        int256 y;
        uint256 forecast;
        uint256 fee;
    }

    /// @notice The library's fast log2 against a bit scan and SPEC §3's formula: every byte value 1..255 at every
    /// bit position below 2^128, with the bits below it all clear and all set, at 8 and 24 fractional bits
    function test_fastLog2_againstBitScan() public pure {
        assertEq(FixedPointModel.fastLog2(0, 8), 0, "L(0)");
        for (uint256 shift; shift <= 120; ++shift) {
            for (uint256 top = 1; top < 256; ++top) {
                uint256 low = (1 << shift) - 1;
                _checkLog2((top << shift) | (top & 1 == 0 ? low : 0));
                _checkLog2((top << shift) | (top & 1 == 0 ? 0 : low));
            }
        }
    }

    function _checkLog2(uint256 v) internal pure {
        uint256 m;
        while (v >> (m + 1) != 0) ++m;
        assertEq(FixedPointModel.fastLog2(v, 8), (m << 8) + (((v - (1 << m)) << 8) >> m), "L_8");
        assertEq(FixedPointModel.fastLog2(v, 24), (m << 24) + (((v - (1 << m)) << 24) >> m), "L_24");
    }

    /// @dev Every case under `casesKey`: Y, forecast and fee of every path (general plain and packed, the library on
    /// the committed words for 5 x 4 models; from code and from storage). Returns the number of cases.
    function _checkCases(ModelDeployer.Net memory net, string memory casesKey) internal returns (uint256 count) {
        address[3] memory models = [deployer.deploy(net, 0), deployer.deploy(net, 1), address(0)];
        evaluator.store(models[0]);
        evaluator.store(models[1]);
        if (net.k == 5 && net.j == 4) {
            models[2] = deployer.deployCommitted(net);
            evaluator.storeCommitted(models[2]);
        }
        for (; vm.keyExistsJson(fixture, _at(casesKey, count)); ++count) {
            string memory at = _at(casesKey, count);
            Case memory c = Case(
                vm.parseJsonUintArray(fixture, string.concat(at, ".features")),
                vm.parseJsonUint(fixture, string.concat(at, ".poolFeeMin")),
                vm.parseJsonUint(fixture, string.concat(at, ".poolFeeMax")),
                vm.parseJsonInt(fixture, string.concat(at, ".Y")),
                vm.parseJsonUint(fixture, string.concat(at, ".forecast")),
                vm.parseJsonUint(fixture, string.concat(at, ".fee"))
            );
            _checkCase(c, models, false, at);
            _checkCase(c, models, true, at);
        }
    }

    function _checkCase(Case memory c, address[3] memory models, bool fromStorage, string memory at) internal view {
        at = string.concat(at, fromStorage ? " storage" : " code");
        for (uint256 kernel; kernel < 2; ++kernel) {
            string memory what = string.concat(at, " kernel ", vm.toString(kernel));
            assertEq(evaluator.forecastLog2(models[kernel], c.features, fromStorage), c.y, string.concat(what, " Y"));
            (uint256 fee, uint256 forecast) = evaluator.fee(models[kernel], c.features, c.poolFeeMin, c.poolFeeMax, fromStorage);
            assertEq(fee, c.fee, string.concat(what, " fee"));
            assertEq(forecast, c.forecast, string.concat(what, " forecast"));
        }
        if (models[2] == address(0)) return;
        uint256[5] memory f5 = _five(c.features);
        assertEq(evaluator.forecastLog2Committed(models[2], f5, fromStorage), c.y, string.concat(at, " library Y"));
        (uint256 feeC, uint256 forecastC) = evaluator.feeCommitted(models[2], f5, c.poolFeeMin, c.poolFeeMax, fromStorage);
        assertEq(feeC, c.fee, string.concat(at, " library fee"));
        assertEq(forecastC, c.forecast, string.concat(at, " library forecast"));
    }

    /// @dev The deployer's SPEC §6 packing equals model/commitment.ts's (the fixture's words)
    function _checkWords(ModelDeployer.Net memory net, string memory wordsKey) internal view {
        uint256[4] memory words = deployer.committedWords(net);
        assertEq(words[0], vm.parseJsonUint(fixture, string.concat(wordsKey, ".correctionWord0")), "correction word 0");
        assertEq(words[1], vm.parseJsonUint(fixture, string.concat(wordsKey, ".correctionWord1")), "correction word 1");
        assertEq(words[2], vm.parseJsonUint(fixture, string.concat(wordsKey, ".levelWord")), "level word");
        assertEq(words[3], vm.parseJsonUint(fixture, string.concat(wordsKey, ".policyWord")), "policy word");
    }

    // ---- the proof path -------------------------------------------------------------------------------------

    /// @notice A real proof of the shipped model's fee and forecast on real features verifies, proves what the
    /// on-chain evaluation computes, and fails for a fee one pip off; the verifier's gas with its 4 public signals
    /// forge-config: default.isolate = true
    function test_gas_proofVerification() public {
        (uint256 gasUsed, uint256 calldataGas, uint256 fee, uint256 forecast) = _verifyGas();
        console.log(
            string.concat(
                "CROSSOVER verify signals=4 gas=",
                vm.toString(gasUsed),
                " proofCalldataGas=",
                vm.toString(calldataGas),
                " fee=",
                vm.toString(fee),
                " forecast=",
                vm.toString(forecast)
            )
        );
    }

    /// @dev Proves case 0 of the fixture with prover/ffi-prove.ts, checks it, and measures verifyProof cold
    function _verifyGas() internal returns (uint256 gasUsed, uint256 calldataGas, uint256 fee, uint256 forecast) {
        uint256[5] memory features = _five(vm.parseJsonUintArray(fixture, ".defaultModel.cases[0].features"));
        bytes memory proof;
        (fee, forecast, proof) = _prove(features);
        _checkProvenEqualsOnchain(features, fee, forecast);
        uint256 commitment = vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".commitment");
        bool ok;
        (gasUsed, ok) = _measureVerify(proof, _signals(features, fee, forecast, commitment));
        assertTrue(ok, "the real proof verifies");
        (, ok) = _measureVerify(proof, _signals(features, fee + 1, forecast, commitment));
        assertFalse(ok, "a fee one pip off fails");
        // what the proof itself adds to the transaction's calldata (16 gas a non-zero byte, 4 a zero byte)
        for (uint256 i; i < proof.length; ++i) {
            calldataGas += proof[i] == 0 ? 4 : 16;
        }
    }

    function _measureVerify(bytes memory proof, uint256[4] memory signals) internal returns (uint256 gasUsed, bool ok) {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            abi.decode(proof, (uint256[2], uint256[2][2], uint256[2]));
        bytes memory ret;
        (gasUsed, ret) =
            _measure(address(verifier), abi.encodeCall(IGroth16Verifier.verifyProof, (a, b, c, signals)));
        ok = abi.decode(ret, (bool));
    }

    /// @dev The zk path and the on-chain paths agree on the current model/default-model.json
    function _checkProvenEqualsOnchain(uint256[5] memory features, uint256 fee, uint256 forecast) internal {
        string memory modelJson = vm.readFile(DEFAULT_MODEL);
        ModelDeployer.Net memory net = _netFromJson(modelJson, "", PERIOD, vm.parseJsonUint(modelJson, ".horizon"));
        (uint256 libFee, uint256 libForecast) =
            evaluator.feeCommitted(deployer.deployCommitted(net), features, POOL_FEE_MIN, POOL_FEE_MAX, false);
        assertEq(fee, libFee, "proven fee vs library");
        assertEq(forecast, libForecast, "proven forecast vs library");
        (uint256 plainFee, uint256 plainForecast) =
            evaluator.fee(deployer.deploy(net, 0), _dynamic(features), POOL_FEE_MIN, POOL_FEE_MAX, false);
        assertEq(fee, plainFee, "proven fee vs general layout");
        assertEq(forecast, plainForecast, "proven forecast vs general layout");
    }

    /// @dev abi.encode(a, b, c) of a real proof of the shipped model's fee and forecast for `features`
    function _prove(uint256[5] memory features) internal returns (uint256 fee, uint256 forecast, bytes memory proof) {
        string memory csv = vm.toString(features[0]);
        for (uint256 i = 1; i < 5; ++i) {
            csv = string.concat(csv, ",", vm.toString(features[i]));
        }
        string[] memory cmd = new string[](10);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], cmd[5]) =
            ("node", "--import", "tsx", "prover/ffi-prove.ts", DEFAULT_MODEL, csv);
        (cmd[6], cmd[7], cmd[8], cmd[9]) =
            (vm.toString(POOL_FEE_MIN), vm.toString(POOL_FEE_MAX), vm.toString(PERIOD), vm.toString(_context()));
        uint256[2] memory a;
        uint256[2][2] memory b;
        uint256[2] memory c;
        (fee, forecast, a, b, c) = abi.decode(vm.ffi(cmd), (uint256, uint256, uint256[2], uint256[2][2], uint256[2]));
        proof = abi.encode(a, b, c);
    }

    function _context() internal pure returns (uint256) {
        return uint256(keccak256("provenfee crossover")) >> 6;
    }

    /// @dev The 4 public signals as the hook builds them (SPEC §7), for pool terms 500..50,000, period 60
    function _signals(uint256[5] memory features, uint256 fee, uint256 forecast, uint256 commitment)
        internal
        pure
        returns (uint256[4] memory s)
    {
        s[0] = PublicSignals.featureWord(features);
        s[1] = PublicSignals.termsWord(uint24(POOL_FEE_MIN), uint24(POOL_FEE_MAX), uint32(PERIOD), uint24(fee), forecast);
        s[2] = commitment;
        s[3] = _context();
    }

    // ---- on-chain evaluation --------------------------------------------------------------------------------

    /// forge-config: default.isolate = true
    function test_gas_onchainEvaluation_K5() public {
        _sweep(5);
    }

    /// forge-config: default.isolate = true
    function test_gas_onchainEvaluation_K10() public {
        _sweep(10);
    }

    /// forge-config: default.isolate = true
    function test_gas_onchainEvaluation_K20() public {
        _sweep(20);
    }

    /// @dev At K = 5 first the shipped size in every layout (the shipped model, whose correction is zero, and a
    /// random 5 x 4 one with every hidden unit active); then J = 4, 8, 16, .. for both general layouts (weights in code; plain from storage too for
    /// J <= 64 at K = 5) until both cost more than the verifier call, then the exact crossover J of each layout
    function _sweep(uint256 k) internal {
        (uint256 threshold,,,) = _verifyGas();
        uint256[] memory features = _features(k);
        if (k == 5) {
            ModelDeployer.Net memory shipped = _netFromJson(vm.readFile(DEFAULT_MODEL), "", PERIOD, 30);
            _shippedSizeRows(shipped, "default-model", features);
            // a random 5 x 4 model whose four hidden units are all active on these features (fixtures.ts checks it)
            _shippedSizeRows(deployer.randomNet(5, 4, vm.parseJsonUint(fixture, ".allActiveSeed")), "random", features);
        }
        Bracket[2] memory brackets;
        // (J = 4 at K = 5 is measured above)
        for (uint256 j = k == 5 ? 8 : 4; brackets[0].firstAbove == 0 || brackets[1].firstAbove == 0; j *= 2) {
            ModelDeployer.Net memory net = deployer.randomNet(k, j, SWEEP_SEED + j);
            for (uint256 kernel; kernel < 2; ++kernel) {
                uint256 g = _evalGas(net, kernel, false, "random", features);
                Bracket memory br = brackets[kernel];
                if (g <= threshold) (br.lastBelow, br.gasBelow) = (j, g);
                else if (br.firstAbove == 0) (br.firstAbove, br.gasAbove) = (j, g);
            }
            if (k == 5 && j <= 64) _evalGas(net, 0, true, "random", features);
        }
        for (uint256 kernel; kernel < 2; ++kernel) {
            Bracket memory br = brackets[kernel];
            _search(k, kernel, threshold, features, br);
            console.log(
                string.concat(
                    string.concat("CROSSOVER crossover K=", vm.toString(k), " kernel=", _kernelName(kernel)),
                    string.concat(" threshold=", vm.toString(threshold), " lastBelow=", vm.toString(br.lastBelow)),
                    string.concat(" gasBelow=", vm.toString(br.gasBelow), " firstAbove=", vm.toString(br.firstAbove)),
                    string.concat(" gasAbove=", vm.toString(br.gasAbove))
                )
            );
        }
    }

    /// @dev The largest J measured at or below the threshold and the smallest above it, with their gas
    struct Bracket {
        uint256 lastBelow;
        uint256 gasBelow;
        uint256 firstAbove;
        uint256 gasAbove;
    }

    /// @dev Narrows `br` to adjacent J: regula falsi (gas is close to linear in J), bisecting every third step
    /// against stalling. Each probe is a different random model of that size.
    function _search(uint256 k, uint256 kernel, uint256 threshold, uint256[] memory features, Bracket memory br)
        internal
    {
        for (uint256 iter; br.firstAbove > br.lastBelow + 1 && iter < 20; ++iter) {
            uint256 step = (threshold - br.gasBelow) * (br.firstAbove - br.lastBelow) / (br.gasAbove - br.gasBelow);
            uint256 j = br.lastBelow + (step == 0 ? 1 : step);
            if (iter % 3 == 2 || j >= br.firstAbove) j = (br.lastBelow + br.firstAbove) / 2;
            uint256 g = _measureEval(deployer.randomNet(k, j, SWEEP_SEED + j), kernel, false, features);
            if (g <= threshold) (br.lastBelow, br.gasBelow) = (j, g);
            else (br.firstAbove, br.gasAbove) = (j, g);
        }
    }

    /// @dev The shipped size in every layout: general plain (code, storage), packed (code), the library on the
    /// committed words through a call (code, storage), inside the caller (code, storage), and its arithmetic alone
    function _shippedSizeRows(ModelDeployer.Net memory net, string memory weights, uint256[] memory features) internal {
        _evalGas(net, 0, false, weights, features);
        _evalGas(net, 0, true, weights, features);
        _evalGas(net, 1, false, weights, features);
        address data = deployer.deployCommitted(net);
        evaluator.storeCommitted(data);
        uint256[5] memory f5 = _five(features);
        for (uint256 s; s < 2; ++s) {
            (uint256 g, bytes memory ret) = _measure(
                address(evaluator),
                abi.encodeCall(OnchainFeeEvaluator.feeCommitted, (data, f5, POOL_FEE_MIN, POOL_FEE_MAX, s == 1))
            );
            (uint256 fee,) = abi.decode(ret, (uint256, uint256));
            _log(Row(5, 4, "library", s == 1 ? "storage" : "code", weights, 1, g, fee));
            // the same call again costs the same: it starts cold too (warm, it would save 2,500 gas an account
            // and 2,000 a slot)
            (uint256 again,) = _measure(
                address(evaluator),
                abi.encodeCall(OnchainFeeEvaluator.feeCommitted, (data, f5, POOL_FEE_MIN, POOL_FEE_MAX, s == 1))
            );
            assertEq(again, g, "every measured call starts cold (an isolated test)");
        }
        uint256[4] memory words = deployer.committedWords(net);
        (uint256 feeAlone,, uint256 gasAlone) = evaluator.evaluateCommittedGas(
            FixedPointModel.CommittedModel(words[0], words[1], words[2], words[3]), f5, POOL_FEE_MIN, POOL_FEE_MAX
        );
        _log(Row(5, 4, "library", "memory", weights, 0, gasAlone, feeAlone));
        // inside the caller's own call, as in a hook: the words read cold from a data contract's code or from storage
        for (uint256 s; s < 2; ++s) {
            (uint256 fee,, uint256 g) = evaluator.loadAndEvaluateCommittedGas(data, f5, POOL_FEE_MIN, POOL_FEE_MAX, s == 1);
            _log(Row(5, 4, "library", s == 1 ? "inline-storage" : "inline-code", weights, s == 1 ? 0 : 1, g, fee));
        }
    }

    struct Row {
        uint256 k;
        uint256 j;
        string kernel;
        string source;
        string weights;
        uint256 chunks;
        uint256 gas;
        uint256 fee;
    }

    /// @dev Deploys `net` in layout `kernel`, measures one cold fee() call and logs it
    function _evalGas(
        ModelDeployer.Net memory net,
        uint256 kernel,
        bool fromStorage,
        string memory weights,
        uint256[] memory features
    ) internal returns (uint256 gasUsed) {
        address model = deployer.deploy(net, kernel);
        if (fromStorage) evaluator.store(model);
        address[] memory chunks = _chunks(model);
        (uint256 g, bytes memory ret) = _measure(
            address(evaluator),
            abi.encodeCall(OnchainFeeEvaluator.fee, (model, features, POOL_FEE_MIN, POOL_FEE_MAX, fromStorage))
        );
        (uint256 fee,) = abi.decode(ret, (uint256, uint256));
        _log(Row(net.k, net.j, _kernelName(kernel), fromStorage ? "storage" : "code", weights, chunks.length, g, fee));
        return g;
    }

    /// @dev _evalGas without the log line (the search's probes)
    function _measureEval(ModelDeployer.Net memory net, uint256 kernel, bool fromStorage, uint256[] memory features)
        internal
        returns (uint256 g)
    {
        address model = deployer.deploy(net, kernel);
        (g,) = _measure(
            address(evaluator),
            abi.encodeCall(OnchainFeeEvaluator.fee, (model, features, POOL_FEE_MIN, POOL_FEE_MAX, fromStorage))
        );
    }

    function _log(Row memory r) internal pure {
        console.log(
            string.concat(
                string.concat("CROSSOVER eval K=", vm.toString(r.k), " J=", vm.toString(r.j)),
                string.concat(" params=", vm.toString(r.j * (r.k + 2) + r.k + 2), " kernel=", r.kernel),
                string.concat(" source=", r.source, " weights=", r.weights, " chunks=", vm.toString(r.chunks)),
                string.concat(" gas=", vm.toString(r.gas), " fee=", vm.toString(r.fee))
            )
        );
    }

    /// @dev Gas of one STATICCALL to `target` (GasMeter). In an isolated test this call is a transaction of its own,
    /// so `target`, every account it touches and their storage start cold.
    function _measure(address target, bytes memory call) internal returns (uint256 gasUsed, bytes memory ret) {
        (gasUsed, ret) = meter.measure(target, call);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /// @dev Chunk 0 and the extra data contracts it lists
    function _chunks(address model) internal view returns (address[] memory chunks) {
        bytes memory head = model.code;
        uint256 meta;
        assembly {
            meta := mload(add(head, 33))
        }
        uint256 nExtra = (meta >> 184) & 0xff;
        chunks = new address[](nExtra + 1);
        chunks[0] = model;
        for (uint256 e; e < nExtra; ++e) {
            uint256 entry;
            assembly {
                entry := mload(add(head, add(97, mul(e, 32))))
            }
            chunks[e + 1] = address(uint160(entry));
        }
    }

    /// @dev Real features with K inputs: case 0 of the first fixture model with that K
    function _features(uint256 k) internal view returns (uint256[] memory) {
        if (k == 5) return vm.parseJsonUintArray(fixture, ".defaultModel.cases[0].features");
        for (uint256 m; vm.keyExistsJson(fixture, _at(".random", m)); ++m) {
            if (vm.parseJsonUint(fixture, string.concat(_at(".random", m), ".k")) == k) {
                return vm.parseJsonUintArray(fixture, string.concat(_at(".random", m), ".cases[0].features"));
            }
        }
        revert("no features with that K in the fixture");
    }

    /// @dev `count` feature vectors from `seed`: each feature is 0, 2^38 - 1, a power of two, or random with a
    /// random bit length (so that every branch of the fast log2 is reached); and the ffi argument "f0,..;f0,..;.."
    function _fuzzFeatures(uint256 seed, uint256 count) internal pure returns (uint256[][] memory vectors, string memory arg) {
        vectors = new uint256[][](count);
        for (uint256 v; v < count; ++v) {
            vectors[v] = new uint256[](5);
            for (uint256 k; k < 5; ++k) {
                uint256 f = FuzzFeatures.at(seed, v, k);
                vectors[v][k] = f;
                arg = string.concat(arg, k == 0 ? (v == 0 ? "" : ";") : ",", vm.toString(f));
            }
        }
    }

    /// @dev The quantized network and policy under `at` in `json` (a model file: at = "")
    function _netFromJson(string memory json, string memory at, uint256 period, uint256 horizon)
        internal
        pure
        returns (ModelDeployer.Net memory net)
    {
        string memory q = string.concat(at, ".quantized");
        (net.k, net.j) = (5, 4);
        net.w = vm.parseJsonUintArray(json, string.concat(q, ".w"));
        net.c0 = vm.parseJsonUint(json, string.concat(q, ".c0"));
        net.W = new int256[](20);
        for (uint256 j; j < 4; ++j) {
            int256[] memory row = vm.parseJsonIntArray(json, string.concat(q, ".W[", vm.toString(j), "]"));
            for (uint256 k; k < 5; ++k) {
                net.W[j * 5 + k] = row[k];
            }
        }
        net.c = vm.parseJsonIntArray(json, string.concat(q, ".c"));
        net.v = vm.parseJsonIntArray(json, string.concat(q, ".v"));
        net.b = vm.parseJsonInt(json, string.concat(q, ".b"));
        string memory p = string.concat(at, ".policy");
        net.base = vm.parseJsonInt(json, string.concat(p, ".base"));
        net.slope = vm.parseJsonUint(json, string.concat(p, ".slope"));
        net.modelFeeMin = vm.parseJsonUint(json, string.concat(p, ".modelFeeMin"));
        net.modelFeeMax = vm.parseJsonUint(json, string.concat(p, ".modelFeeMax"));
        (net.period, net.horizon) = (period, horizon);
    }

    function _fixturePeriod() internal view returns (uint256) {
        return vm.parseJsonUint(fixture, ".period");
    }

    function _fixtureHorizon() internal view returns (uint256) {
        return vm.parseJsonUint(fixture, ".horizon");
    }

    function _at(string memory key, uint256 i) internal pure returns (string memory) {
        return string.concat(key, "[", vm.toString(i), "]");
    }

    function _five(uint256[] memory v) internal pure returns (uint256[5] memory f) {
        require(v.length == 5, "five features");
        for (uint256 k; k < 5; ++k) {
            f[k] = v[k];
        }
    }

    function _dynamic(uint256[5] memory f) internal pure returns (uint256[] memory v) {
        v = new uint256[](5);
        for (uint256 k; k < 5; ++k) {
            v[k] = f[k];
        }
    }

    function _kernelName(uint256 kernel) internal pure returns (string memory) {
        return kernel == 0 ? "plain" : "packed";
    }
}
