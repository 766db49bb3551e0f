// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {console} from "forge-std/console.sol";
import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";
import {PublicSignals} from "../../../contracts/libraries/PublicSignals.sol";
import {OnchainFeeEvaluator} from "../../../bench/crossover/OnchainFeeEvaluator.sol";
import {ModelDeployer} from "../../../bench/crossover/ModelDeployer.sol";

/// @dev forge's vm.cool (not declared in this forge-std): marks an account and its storage cold again
interface VmCool {
    function cool(address target) external;
}

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

/// @notice When would evaluating the model on-chain beat verifying its Groth16 proof? (bench/crossover/README.md)
/// Parity of OnchainFeeEvaluator with model/ (fixture from bench/crossover/fixtures.ts), then the gas of the two
/// paths: the repo's Groth16 verifier with a real proof (prover/ffi-prove.ts), and on-chain evaluation for a range of
/// model sizes. Every measured call is an external STATICCALL made with its target account, its data contracts and
/// its storage cold (vm.cool), so it pays what the first call of a transaction pays; the figure is the gas between
/// just before and just after the call (call, cold accesses, execution; GasMeter), without calldata of the outer
/// transaction.
/// Lines starting with "CROSSOVER" are parsed by bench/crossover.bench.ts.
contract CrossoverTest is Test {
    VmCool constant VM_COOL = VmCool(address(uint160(uint256(keccak256("hevm cheat code")))));
    string constant FIXTURE = "bench/crossover/fixtures.json";
    string constant DEFAULT_MODEL = "model/default-model.json";
    uint256 constant POOL_FEE_MIN = 500;
    uint256 constant POOL_FEE_MAX = 50_000;
    uint256 constant PERIOD = 60;

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

    /// @notice The shipped model, both weight layouts, bytecode and storage: the fee and the forecast Y that
    /// model/ evaluateFixed computes, on real features
    function test_parity_defaultModel() public {
        // the snapshot of the model that fixtures.ts evaluated (model/default-model.json when it was generated)
        ModelDeployer.Net memory net = _defaultNet(fixture, ".defaultModel");
        _checkCases(net, ".defaultModel.cases");
    }

    /// @notice Random models with more inputs and hidden units (J = 1100 spans several data contracts)
    function test_parity_largerModels() public {
        for (uint256 m; vm.keyExistsJson(fixture, string.concat(".random[", vm.toString(m), "]")); ++m) {
            string memory at = string.concat(".random[", vm.toString(m), "]");
            ModelDeployer.Net memory net = deployer.randomNet(
                vm.parseJsonUint(fixture, string.concat(at, ".n")),
                vm.parseJsonUint(fixture, string.concat(at, ".j")),
                vm.parseJsonUint(fixture, string.concat(at, ".seed"))
            );
            _checkCases(net, string.concat(at, ".cases"));
        }
    }

    function _checkCases(ModelDeployer.Net memory net, string memory casesKey) internal {
        address[2] memory models = [deployer.deploy(net, 0), deployer.deploy(net, 1)];
        evaluator.store(models[0]);
        evaluator.store(models[1]);
        uint256 count;
        for (uint256 i; vm.keyExistsJson(fixture, string.concat(casesKey, "[", vm.toString(i), "]")); ++i) {
            string memory at = string.concat(casesKey, "[", vm.toString(i), "]");
            uint256[] memory raw = vm.parseJsonUintArray(fixture, string.concat(at, ".raw"));
            uint256 lo = vm.parseJsonUint(fixture, string.concat(at, ".poolFeeMin"));
            uint256 hi = vm.parseJsonUint(fixture, string.concat(at, ".poolFeeMax"));
            int256 y = vm.parseJsonInt(fixture, string.concat(at, ".Y"));
            uint256 fee = vm.parseJsonUint(fixture, string.concat(at, ".fee"));
            for (uint256 k; k < 2; ++k) {
                assertEq(evaluator.forecast(models[k], raw, false), y, string.concat(at, " Y, kernel ", vm.toString(k)));
                assertEq(evaluator.forecast(models[k], raw, true), y, string.concat(at, " Y from storage"));
                assertEq(evaluator.fee(models[k], raw, lo, hi, false), fee, string.concat(at, " fee, kernel ", vm.toString(k)));
                assertEq(evaluator.fee(models[k], raw, lo, hi, true), fee, string.concat(at, " fee from storage"));
            }
            ++count;
        }
        assertGt(count, 2, "fixture cases");
    }

    // ---- the proof path -------------------------------------------------------------------------------------

    /// @notice A real proof of the default model's fee on real features verifies, and proves the same fee that
    /// the on-chain evaluator computes; the verifier's gas with its 4 public signals
    function test_gas_proofVerification() public {
        (uint256 gasUsed, uint256 calldataGas, uint256 fee) = _verifyGas();
        console.log(
            string.concat(
                "CROSSOVER verify signals=4 gas=",
                vm.toString(gasUsed),
                " proofCalldataGas=",
                vm.toString(calldataGas),
                " fee=",
                vm.toString(fee)
            )
        );
    }

    /// @dev Proves case 0 of the fixture with prover/ffi-prove.ts, checks it, and measures verifyProof cold
    function _verifyGas() internal returns (uint256 gasUsed, uint256 calldataGas, uint256 fee) {
        bytes memory proof;
        (fee, proof) = _prove();
        uint256[] memory raw = vm.parseJsonUintArray(fixture, ".defaultModel.cases[0].raw");
        // the zk path and the on-chain path agree on the fee (the current model/default-model.json)
        address model = deployer.deploy(_defaultNet(vm.readFile(DEFAULT_MODEL), ""), 0);
        assertEq(fee, evaluator.fee(model, raw, POOL_FEE_MIN, POOL_FEE_MAX, false), "proven fee vs on-chain fee");

        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            abi.decode(proof, (uint256[2], uint256[2][2], uint256[2]));
        bytes memory call = abi.encodeCall(IGroth16Verifier.verifyProof, (a, b, c, _signals(raw, fee)));
        bytes memory ret;
        (gasUsed, ret) = _measure(address(verifier), new address[](0), call);
        assertTrue(abi.decode(ret, (bool)), "the real proof verifies");
        // what the proof itself adds to the transaction's calldata (16 gas a non-zero byte, 4 a zero byte)
        for (uint256 i; i < proof.length; ++i) {
            calldataGas += proof[i] == 0 ? 4 : 16;
        }
    }

    /// @dev abi.encode(a, b, c) of a real proof of the default model's fee for case 0's features
    function _prove() internal returns (uint256 fee, bytes memory proof) {
        uint256[] memory raw = vm.parseJsonUintArray(fixture, ".defaultModel.cases[0].raw");
        string memory csv = vm.toString(raw[0]);
        for (uint256 i = 1; i < 12; ++i) {
            csv = string.concat(csv, ",", vm.toString(raw[i]));
        }
        string[] memory cmd = new string[](10);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], cmd[5]) =
            ("node", "--import", "tsx", "prover/ffi-prove.ts", DEFAULT_MODEL, csv);
        (cmd[6], cmd[7], cmd[8], cmd[9]) =
            (vm.toString(POOL_FEE_MIN), vm.toString(POOL_FEE_MAX), vm.toString(PERIOD), vm.toString(_context()));
        bytes memory out = vm.ffi(cmd);
        uint256[2] memory a;
        uint256[2][2] memory b;
        uint256[2] memory c;
        (fee, a, b, c) = abi.decode(out, (uint256, uint256[2], uint256[2][2], uint256[2]));
        proof = abi.encode(a, b, c);
    }

    function _context() internal pure returns (uint256) {
        return uint256(keccak256("provenfee crossover")) >> 6;
    }

    /// @dev The 4 public signals exactly as the hook builds them (SPEC §7), for pool terms 500..50,000, period 60
    function _signals(uint256[] memory raw, uint256 fee) internal view returns (uint256[4] memory s) {
        uint256[12] memory f;
        for (uint256 i; i < 12; ++i) {
            f[i] = raw[i];
        }
        s[0] = PublicSignals.featureWord0(f);
        s[1] = PublicSignals.featureWord1(f, uint24(POOL_FEE_MIN), uint24(POOL_FEE_MAX), uint32(PERIOD), uint24(fee));
        s[2] = vm.parseJsonUint(vm.readFile(DEFAULT_MODEL), ".commitment");
        s[3] = _context();
    }

    // ---- on-chain evaluation --------------------------------------------------------------------------------

    function test_gas_onchainEvaluation_N12() public {
        _sweep(12, 2048, true);
    }

    function test_gas_onchainEvaluation_N24() public {
        _sweep(24, 1024, false);
    }

    function test_gas_onchainEvaluation_N48() public {
        _sweep(48, 512, false);
    }

    /// @dev J = 4, 8, .. maxJ hidden units for both weight layouts (weights in bytecode), the storage variant for
    /// J <= 64 at N = 12, then the exact crossover J against the measured verifier gas for each layout
    function _sweep(uint256 n, uint256 maxJ, bool withStorage) internal {
        (uint256 threshold,,) = _verifyGas();
        uint256[] memory raw = _features(n);
        for (uint256 kernel; kernel < 2; ++kernel) {
            uint256 lastBelow;
            uint256 firstAbove;
            uint256 gasBelow;
            uint256 gasAbove;
            for (uint256 j = 4; j <= maxJ; j *= 2) {
                uint256 g = _evalGas(n, j, kernel, false, raw);
                if (withStorage && j <= 64) _evalGas(n, j, kernel, true, raw);
                if (g <= threshold) (lastBelow, gasBelow) = (j, g);
                else if (firstAbove == 0) (firstAbove, gasAbove) = (j, g);
            }
            if (firstAbove == 0) {
                console.log(string.concat("CROSSOVER none N=", vm.toString(n), " kernel=", _kernelName(kernel)));
                continue;
            }
            // regula falsi on the bracket (gas is close to linear in J), then confirm the neighbours
            for (uint256 iter; firstAbove > lastBelow + 1 && iter < 16; ++iter) {
                uint256 step = (threshold - gasBelow) * (firstAbove - lastBelow) / (gasAbove - gasBelow);
                uint256 j = lastBelow + (step == 0 ? 1 : step);
                if (iter % 3 == 2 || j >= firstAbove) j = (lastBelow + firstAbove) / 2; // guard against stalling
                uint256 g = _evalGasQuiet(n, j, kernel, raw);
                if (g <= threshold) (lastBelow, gasBelow) = (j, g);
                else (firstAbove, gasAbove) = (j, g);
            }
            console.log(
                string.concat(
                    "CROSSOVER crossover N=",
                    vm.toString(n),
                    " kernel=",
                    _kernelName(kernel),
                    " threshold=",
                    vm.toString(threshold),
                    " lastBelow=",
                    vm.toString(lastBelow),
                    " gasBelow=",
                    vm.toString(gasBelow),
                    " firstAbove=",
                    vm.toString(firstAbove),
                    " gasAbove=",
                    vm.toString(gasAbove)
                )
            );
        }
    }

    struct Row {
        uint256 n;
        uint256 j;
        uint256 kernel;
        bool fromStorage;
        bool isDefault;
        uint256 chunks;
        uint256 gas;
        uint256 fee;
    }

    function _evalGas(uint256 n, uint256 j, uint256 kernel, bool fromStorage, uint256[] memory raw)
        internal
        returns (uint256)
    {
        Row memory row = Row(n, j, kernel, fromStorage, n == 12 && j == 4, 0, 0, 0);
        address model =
            row.isDefault ? deployer.deploy(_defaultNet(vm.readFile(DEFAULT_MODEL), ""), kernel) : deployer.deployRandom(n, j, 1000 + j, kernel);
        if (fromStorage) evaluator.store(model);
        bytes memory call = abi.encodeCall(OnchainFeeEvaluator.fee, (model, raw, POOL_FEE_MIN, POOL_FEE_MAX, fromStorage));
        address[] memory chunks = _chunks(model);
        bytes memory ret;
        (row.gas, ret) = _measure(address(evaluator), chunks, call);
        row.fee = abi.decode(ret, (uint256));
        row.chunks = chunks.length;
        _log(row);
        return row.gas;
    }

    function _log(Row memory r) internal pure {
        string memory size = string.concat(
            "CROSSOVER eval N=",
            vm.toString(r.n),
            " J=",
            vm.toString(r.j),
            " params=",
            vm.toString(r.j * (r.n + 2) + r.n + 1)
        );
        string memory how = string.concat(
            " kernel=",
            _kernelName(r.kernel),
            " source=",
            r.fromStorage ? "storage" : "code",
            " weights=",
            r.isDefault ? "default-model" : "random"
        );
        console.log(
            string.concat(
                size, how, " chunks=", vm.toString(r.chunks), " gas=", vm.toString(r.gas), " fee=", vm.toString(r.fee)
            )
        );
    }

    function _evalGasQuiet(uint256 n, uint256 j, uint256 kernel, uint256[] memory raw) internal returns (uint256 g) {
        address model = deployer.deployRandom(n, j, 1000 + j, kernel);
        (g,) = _measure(
            address(evaluator), _chunks(model), abi.encodeCall(OnchainFeeEvaluator.fee, (model, raw, POOL_FEE_MIN, POOL_FEE_MAX, false))
        );
    }

    /// @dev Gas of one STATICCALL to `target` (GasMeter) with `target`, `cold` and their storage cold
    function _measure(address target, address[] memory cold, bytes memory call)
        internal
        returns (uint256 gasUsed, bytes memory ret)
    {
        VM_COOL.cool(target);
        for (uint256 i; i < cold.length; ++i) {
            VM_COOL.cool(cold[i]);
        }
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
        uint256 nExtra = (meta >> 192) & 0xff;
        chunks = new address[](nExtra + 1);
        chunks[0] = model;
        for (uint256 k; k < nExtra; ++k) {
            uint256 entry;
            assembly {
                entry := mload(add(head, add(65, mul(k, 32))))
            }
            chunks[k + 1] = address(uint160(entry));
        }
    }

    /// @dev Real features: the default model's case 0 at N = 12, the first random model's case 0 with that N else
    function _features(uint256 n) internal view returns (uint256[] memory) {
        if (n == 12) return vm.parseJsonUintArray(fixture, ".defaultModel.cases[0].raw");
        for (uint256 m; vm.keyExistsJson(fixture, string.concat(".random[", vm.toString(m), "]")); ++m) {
            string memory at = string.concat(".random[", vm.toString(m), "]");
            if (vm.parseJsonUint(fixture, string.concat(at, ".n")) == n) {
                return vm.parseJsonUintArray(fixture, string.concat(at, ".cases[0].raw"));
            }
        }
        revert("no features with that N in the fixture");
    }

    /// @dev The quantized network and policy under `at` in `json` (a model file: at = "")
    function _defaultNet(string memory json, string memory at) internal pure returns (ModelDeployer.Net memory net) {
        net.n = 12;
        net.j = 4;
        net.W = new int256[](48);
        for (uint256 j; j < 4; ++j) {
            int256[] memory row =
                vm.parseJsonIntArray(json, string.concat(at, ".quantized.W[", vm.toString(j), "]"));
            for (uint256 i; i < 12; ++i) {
                net.W[j * 12 + i] = row[i];
            }
        }
        net.c = vm.parseJsonIntArray(json, string.concat(at, ".quantized.c"));
        net.a = vm.parseJsonIntArray(json, string.concat(at, ".quantized.a"));
        net.v = vm.parseJsonIntArray(json, string.concat(at, ".quantized.v"));
        net.b = vm.parseJsonInt(json, string.concat(at, ".quantized.b"));
        net.base = vm.parseJsonInt(json, string.concat(at, ".policy.base"));
        net.slope = vm.parseJsonUint(json, string.concat(at, ".policy.slope"));
        net.modelFeeMin = vm.parseJsonUint(json, string.concat(at, ".policy.modelFeeMin"));
        net.modelFeeMax = vm.parseJsonUint(json, string.concat(at, ".policy.modelFeeMax"));
    }

    function _kernelName(uint256 kernel) internal pure returns (string memory) {
        return kernel == 0 ? "plain" : "packed";
    }
}
