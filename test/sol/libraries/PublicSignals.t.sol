// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {Test} from "forge-std/Test.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {PublicSignals} from "../../../contracts/libraries/PublicSignals.sol";

contract PublicSignalsTest is Test {
    uint256 constant SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 constant LANE_38 = 2 ** 38 - 1;

    function test_featureWord_lanes() public pure {
        uint256[5] memory f = [uint256(0x11_1111_1111), 0x22_2222_2222, 0x33_3333_3333, 0x04_4444_4444, 0x3f_ffff_ffff];
        // 38-bit lanes do not line up with hex digits: F_k * 2^(38k), summed
        assertEq(
            PublicSignals.featureWord(f),
            0x11_1111_1111 + 0x22_2222_2222 * 2 ** 38 + 0x33_3333_3333 * 2 ** 76 + 0x04_4444_4444 * 2 ** 114
                + 0x3f_ffff_ffff * 2 ** 152
        );
        assertEq(PublicSignals.featureWord([uint256(0), 0, 0, 0, LANE_38]), LANE_38 << 152);
        assertLt(PublicSignals.featureWord([LANE_38, LANE_38, LANE_38, LANE_38, LANE_38]), 2 ** 190);
    }

    function test_termsWord_lanes() public pure {
        assertEq(
            PublicSignals.termsWord(0xaaaaaa, 0xbbbbbb, 0xcccccccc, 0xdddddd, 0x3f_eeee_eeee),
            0x3feeeeeeee_dddddd_cccccccc_bbbbbb_aaaaaa
        );
        assertEq(PublicSignals.termsWord(0, 0, 0, 0, LANE_38), LANE_38 << 104);
    }

    /// @dev Every lane unpacks to its input, and the words stay below the field
    function testFuzz_words_unpack(
        uint256[5] memory f,
        uint24 feeMin,
        uint24 feeMax,
        uint32 period,
        uint24 fee,
        uint256 forecast
    ) public pure {
        for (uint256 k; k < 5; ++k) {
            f[k] = bound(f[k], 0, LANE_38);
        }
        forecast = bound(forecast, 0, LANE_38);
        uint256 features = PublicSignals.featureWord(f);
        uint256 terms = PublicSignals.termsWord(feeMin, feeMax, period, fee, forecast);
        for (uint256 k; k < 5; ++k) {
            assertEq((features >> (38 * k)) & LANE_38, f[k]);
        }
        assertEq(features >> 190, 0);
        assertEq(terms & type(uint24).max, feeMin);
        assertEq((terms >> 24) & type(uint24).max, feeMax);
        assertEq((terms >> 48) & type(uint32).max, period);
        assertEq((terms >> 80) & type(uint24).max, fee);
        assertEq(terms >> 104, forecast);
        assertLt(features, SNARK_SCALAR_FIELD);
        assertLt(terms, SNARK_SCALAR_FIELD);
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
        _checkParity([uint256(0), 0, 0, 0, 0], 0, 1_000_000, 60, 0, 0, 1, address(1), bytes32(0), 0);
        _checkParity(
            [LANE_38, 123_456, 9, 4_000_000_000, 1],
            100,
            100_000,
            60,
            3000,
            LANE_38,
            0x17903be515f763db48550363a0a171304db010fd4a776dff51755d9a085dece3,
            0x1234567890AbcdEF1234567890aBcdef12345678,
            keccak256("pool"),
            28_333_334
        );
        _checkParity(
            [uint256(66120044), 59086209, 57366763, 56939764, 56833033],
            500,
            50_000,
            type(uint32).max,
            1_000_000,
            0x2_8a3b_c6b5,
            SNARK_SCALAR_FIELD - 1,
            address(type(uint160).max),
            bytes32(type(uint256).max),
            type(uint32).max
        );
    }

    function _checkParity(
        uint256[5] memory f,
        uint24 feeMin,
        uint24 feeMax,
        uint32 period,
        uint24 fee,
        uint256 forecast,
        uint256 commitment,
        address hook,
        bytes32 id,
        uint32 asOf
    ) internal {
        vm.chainId(8453);
        string memory csv = vm.toString(f[0]);
        for (uint256 i = 1; i < 5; ++i) {
            csv = string.concat(csv, ",", vm.toString(f[i]));
        }
        string[] memory cmd = new string[](16);
        (cmd[0], cmd[1], cmd[2], cmd[3], cmd[4], cmd[5]) =
            ("node", "--import", "tsx", "test/sol/ffi/model.ts", "signals", csv);
        (cmd[6], cmd[7], cmd[8], cmd[9], cmd[10]) =
            (vm.toString(feeMin), vm.toString(feeMax), vm.toString(period), vm.toString(fee), vm.toString(forecast));
        (cmd[11], cmd[12], cmd[13], cmd[14], cmd[15]) =
            (vm.toString(commitment), "8453", vm.toString(hook), vm.toString(id), vm.toString(asOf));
        uint256[4] memory expected = abi.decode(vm.ffi(cmd), (uint256[4]));
        assertEq(PublicSignals.featureWord(f), expected[0], "featureWord");
        assertEq(PublicSignals.termsWord(feeMin, feeMax, period, fee, forecast), expected[1], "termsWord");
        assertEq(commitment, expected[2], "commitment");
        assertEq(PublicSignals.context(hook, PoolId.wrap(id), asOf), expected[3], "context");
    }
}
