// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {PublicSignals} from "../../../contracts/libraries/PublicSignals.sol";

contract PublicSignalsTest is Test {
    uint256 constant SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    function test_featureWords_lanes() public pure {
        uint256[12] memory f = [
            uint256(0x11111111),
            0x22222222,
            0x33333333,
            0x44444444,
            0x55555555,
            0x66666666,
            0x77777777,
            0x88888888,
            0x99,
            0xaa,
            0xbb,
            0xcc
        ];
        assertEq(PublicSignals.featureWord0(f), 0x77777777666666665555555544444444333333332222222211111111);
        assertEq(
            PublicSignals.featureWord1(f, 0xdddddd, 0xeeeeee, 0xffffffff, 0x123456),
            0x123456ffffffffeeeeeedddddd_cc_bb_aa_99_88888888
        );
    }

    function testFuzz_featureWords_unpack(uint256[12] memory f, uint24 feeMin, uint24 feeMax, uint32 period, uint24 fee)
        public
        pure
    {
        for (uint256 i; i < 8; ++i) {
            f[i] = bound(f[i], 0, type(uint32).max);
        }
        for (uint256 i = 8; i < 12; ++i) {
            f[i] = bound(f[i], 0, 240);
        }
        uint256 w0 = PublicSignals.featureWord0(f);
        uint256 w1 = PublicSignals.featureWord1(f, feeMin, feeMax, period, fee);
        for (uint256 i; i < 7; ++i) {
            assertEq((w0 >> (32 * i)) & type(uint32).max, f[i]);
        }
        assertEq(w0 >> 224, 0);
        assertEq(w1 & type(uint32).max, f[7]);
        for (uint256 i; i < 4; ++i) {
            assertEq((w1 >> (32 + 8 * i)) & 0xff, f[8 + i]);
        }
        assertEq((w1 >> 64) & type(uint24).max, feeMin);
        assertEq((w1 >> 88) & type(uint24).max, feeMax);
        assertEq((w1 >> 112) & type(uint32).max, period);
        assertEq(w1 >> 144, fee);
    }

    function testFuzz_context_belowFieldAndBindsEveryInput(address hook, bytes32 id, uint32 asOf, uint64 chainId)
        public
    {
        vm.chainId(chainId);
        uint256 ctx = PublicSignals.context(hook, PoolId.wrap(id), asOf);
        assertEq(ctx, uint256(keccak256(abi.encode(uint256(chainId), hook, id, uint256(asOf)))) >> 6);
        assertLt(ctx, SNARK_SCALAR_FIELD);
        assertNotEq(ctx, PublicSignals.context(hook, PoolId.wrap(id), asOf ^ 1));
        assertNotEq(ctx, PublicSignals.context(address(uint160(hook) ^ 1), PoolId.wrap(id), asOf));
        assertNotEq(ctx, PublicSignals.context(hook, PoolId.wrap(id ^ bytes32(uint256(1))), asOf));
        vm.chainId(uint256(chainId) ^ 1);
        assertNotEq(ctx, PublicSignals.context(hook, PoolId.wrap(id), asOf));
    }

    /// @dev Parity with model/signals.ts, the definition the prover and keeper use
    function test_parity_modelSignals() public {
        _checkParity([uint256(0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 1_000_000, 60, 0, 1, address(1), bytes32(0), 0);
        _checkParity(
            [uint256(type(uint32).max), 123_456, 9, 4_000_000_000, 1, 2, 3, type(uint32).max, 1, 5, 30, 240],
            100,
            100_000,
            60,
            3000,
            0x17903be515f763db48550363a0a171304db010fd4a776dff51755d9a085dece3,
            0x1234567890AbcdEF1234567890aBcdef12345678,
            keccak256("pool"),
            28_333_334
        );
    }

    function _checkParity(
        uint256[12] memory f,
        uint24 feeMin,
        uint24 feeMax,
        uint32 period,
        uint24 fee,
        uint256 commitment,
        address hook,
        bytes32 id,
        uint32 asOf
    ) internal {
        vm.chainId(8453);
        string memory csv = vm.toString(f[0]);
        for (uint256 i = 1; i < 12; ++i) {
            csv = string.concat(csv, ",", vm.toString(f[i]));
        }
        string[] memory cmd = new string[](15);
        cmd[0] = "node";
        cmd[1] = "--import";
        cmd[2] = "tsx";
        cmd[3] = "test/sol/ffi/model.ts";
        cmd[4] = "signals";
        cmd[5] = csv;
        cmd[6] = vm.toString(feeMin);
        cmd[7] = vm.toString(feeMax);
        cmd[8] = vm.toString(period);
        cmd[9] = vm.toString(fee);
        cmd[10] = vm.toString(commitment);
        cmd[11] = "8453";
        cmd[12] = vm.toString(hook);
        cmd[13] = vm.toString(id);
        cmd[14] = vm.toString(asOf);
        uint256[4] memory expected = abi.decode(vm.ffi(cmd), (uint256[4]));
        assertEq(PublicSignals.featureWord0(f), expected[0], "featureWord0");
        assertEq(PublicSignals.featureWord1(f, feeMin, feeMax, period, fee), expected[1], "featureWord1");
        assertEq(commitment, expected[2], "commitment");
        assertEq(PublicSignals.context(hook, PoolId.wrap(id), asOf), expected[3], "context");
    }
}
