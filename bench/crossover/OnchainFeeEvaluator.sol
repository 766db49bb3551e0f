// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {FixedPointModel} from "../../contracts/libraries/FixedPointModel.sol";

/// @title OnchainFeeEvaluator
/// @notice The benchmark harness of bench/crossover: the fee of model/SPEC.md §3-5 computed on-chain, to measure when
/// that is cheaper than verifying a Groth16 proof of it (bench/crossover/README.md). Two families:
/// - `feeCommitted`: the shipped architecture (K = 5 features, J = 4 hidden units) through FixedPointModel, the
///   library the hook would use, on the four committed words (SPEC §6) read from a data contract's code or from
///   storage;
/// - `fee`: the same arithmetic for any K features and J hidden units, weights read from data contracts' code (or,
///   for comparison, from this contract's storage) in one of two layouts. This is how a larger model would be
///   evaluated; its pieces (fast log2, level log, fee policy) are the library's.
///
/// @dev General layout (written by ModelDeployer.sol; all big-endian, after each data contract's leading 0x00):
///   chunk 0: meta | policy word | nExtra entries (units << 160 | chunk address) | level block | units
///   meta   : kernel << 248 | K << 232 | J << 208 | laneBits << 200 | lanes << 192 | nExtra << 184 | units0 << 160
///            | b (16-bit two's complement) << 144
///   policy : SPEC §6's policy word (base + 2^23 | slope << 24 | modelFeeMin << 48 | modelFeeMax << 72 | ..)
///   level  : c0 (4 bytes), w[0..K) (3 bytes each), zero-padded to whole words
///   units, kernel 0 ("plain"): one row per hidden unit, c_j, v_j, W[j][0..K) as signed 16-bit lanes; one multiply
///            per weight, four weights per MLOAD;
///   units, kernel 1 ("packed"): one group per `lanes` hidden units j = g lanes + l, K + 2 words with lane l at bit
///            laneBits l: c_j 2^12 + 2^27, then v_j (16-bit lanes), then one word per feature k holding W[j][k] + 2^15.
///            Inputs are non-negative (L(v) >= 0), so one 256-bit multiply x_k * word computes `lanes` products at
///            once (SIMD within a register); a lane stays below 2^laneBits (ModelDeployer.packedLanes), so lanes never
///            carry into each other, and Z_j = lane_j - 2^15 sum_k x_k - 2^27 restores the signed pre-activation.
/// An extra chunk (a data contract of its own, at most 24,575 bytes by EIP-170) holds a whole number of units and is
/// copied into one buffer that every extra chunk reuses, so memory does not grow with J.
/// Storage copies (`store`): chunk `a`'s byte length at slot a << 64 | 1 << 63, its word i at slot a << 64 | i.
///
/// Features are trusted to be the oracle's (below 2^38: x_k <= L_8(2^38 - 1) = 9727, which the packed lane width
/// relies on), as in FixedPointModel.
contract OnchainFeeEvaluator {
    error BadInputs();

    mapping(address data => FixedPointModel.CommittedModel) internal committedModels;

    // ---- the shipped architecture through the library ----------------------------------------------------------

    /// @notice The fee and published forecast of the 5 x 4 model whose committed words are the code of `data`
    /// (ModelDeployer.deployCommitted), or with `fromStorage` their copy in this contract's storage (storeCommitted)
    function feeCommitted(
        address data,
        uint256[5] calldata features,
        uint256 poolFeeMin,
        uint256 poolFeeMax,
        bool fromStorage
    ) external view returns (uint256 lpFee, uint256 forecast) {
        return FixedPointModel.evaluate(_committed(data, fromStorage), features, poolFeeMin, poolFeeMax);
    }

    /// @notice Y of SPEC §4 (scale 2^32, before the clamp) of the committed model, for parity tests
    function forecastLog2Committed(address data, uint256[5] calldata features, bool fromStorage)
        external
        view
        returns (int256)
    {
        return FixedPointModel.forecastLog2(_committed(data, fromStorage), features);
    }

    /// @notice The library's evaluation alone, for a caller that already holds the words in memory: the gas between
    /// just before and just after FixedPointModel.evaluate
    function evaluateCommittedGas(
        FixedPointModel.CommittedModel calldata model,
        uint256[5] calldata features,
        uint256 poolFeeMin,
        uint256 poolFeeMax
    ) external view returns (uint256 lpFee, uint256 forecast, uint256 gasUsed) {
        FixedPointModel.CommittedModel memory m = model;
        uint256[5] memory f = features;
        uint256 before = gasleft();
        (lpFee, forecast) = FixedPointModel.evaluate(m, f, poolFeeMin, poolFeeMax);
        gasUsed = before - gasleft();
    }

    /// @notice What a hook pays to evaluate inside its own call (no call to another contract, unlike feeCommitted):
    /// the gas of reading the four words from `data`'s code (or from this contract's storage) and evaluating
    function loadAndEvaluateCommittedGas(
        address data,
        uint256[5] calldata features,
        uint256 poolFeeMin,
        uint256 poolFeeMax,
        bool fromStorage
    ) external view returns (uint256 lpFee, uint256 forecast, uint256 gasUsed) {
        uint256[5] memory f = features;
        uint256 before = gasleft();
        (lpFee, forecast) = FixedPointModel.evaluate(_committed(data, fromStorage), f, poolFeeMin, poolFeeMax);
        gasUsed = before - gasleft();
    }

    /// @notice Copies the four words in `data`'s code into this contract's storage (four slots)
    function storeCommitted(address data) external {
        committedModels[data] = _committed(data, false);
    }

    function _committed(address data, bool fromStorage) internal view returns (FixedPointModel.CommittedModel memory m) {
        if (fromStorage) return committedModels[data];
        assembly ("memory-safe") {
            extcodecopy(data, m, 1, 128)
        }
    }

    // ---- any size: the general layouts -------------------------------------------------------------------------

    /// @notice The fee and published forecast of the model whose chunk 0 is `model`, for its K raw features
    function fee(address model, uint256[] calldata features, uint256 poolFeeMin, uint256 poolFeeMax, bool fromStorage)
        external
        view
        returns (uint256 lpFee, uint256 forecast)
    {
        (int256 y, uint256 policyWord) = _forecastLog2(model, features, fromStorage);
        return FixedPointModel.feeAndForecast(y, policyWord, poolFeeMin, poolFeeMax);
    }

    /// @notice Y of SPEC §4 (scale 2^32, before the clamp), for parity tests
    function forecastLog2(address model, uint256[] calldata features, bool fromStorage) external view returns (int256 y) {
        (y,) = _forecastLog2(model, features, fromStorage);
    }

    /// @notice Copies the model's data contracts (chunk 0 and every extra chunk) into this contract's storage, so that
    /// `fee(.., true)` reads it with SLOAD
    function store(address model) external {
        bytes memory head = model.code;
        _storeChunk(model, head);
        uint256 meta;
        assembly ("memory-safe") {
            meta := mload(add(head, 33))
        }
        for (uint256 e; e < (meta >> 184) & 0xff; ++e) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(head, add(97, shl(5, e))))
            }
            address chunk = address(uint160(entry));
            _storeChunk(chunk, chunk.code);
        }
    }

    function _storeChunk(address chunk, bytes memory code) internal {
        uint256 base = uint256(uint160(chunk)) << 64;
        uint256 len = code.length - 1;
        assembly ("memory-safe") {
            sstore(or(base, shl(63, 1)), len)
            for { let i := 0 } lt(shl(5, i), len) { i := add(i, 1) } {
                sstore(add(base, i), mload(add(add(code, 33), shl(5, i))))
            }
        }
    }

    /// @dev SPEC §3-4 for K features and J hidden units: returns Y and the policy word
    function _forecastLog2(address model, uint256[] calldata features, bool fromStorage)
        internal
        view
        returns (int256 y, uint256 policyWord)
    {
        (uint256 xs, uint256 sumX) = _logInputs(features);
        // chunk 0, allocated to its size only: memory expansion is paid on every word up to the highest touched,
        // including the return data that Solidity writes at the free-memory pointer
        uint256 head;
        uint256 meta;
        assembly ("memory-safe") {
            head := mload(0x40)
        }
        {
            uint256 headBytes = _load(model, head, 0, fromStorage);
            assembly ("memory-safe") {
                mstore(0x40, add(head, and(add(headBytes, 31), not(31))))
                meta := mload(head)
                policyWord := mload(add(head, 32))
            }
        }
        if ((meta >> 232) & 0xffff != features.length) revert BadInputs();
        uint256 units;
        (y, units) = _levelForecast(head, meta, features);
        y = _hidden(y, meta, head, units, xs, sumX, fromStorage);
    }

    /// @dev SPEC §3: x_k = L_8(F_k), one word each in newly allocated memory at `xs`, and their sum (the packed
    /// lanes' offset)
    function _logInputs(uint256[] calldata features) internal pure returns (uint256 xs, uint256 sumX) {
        uint256 nFeatures = features.length;
        assembly ("memory-safe") {
            xs := mload(0x40)
            mstore(0x40, add(xs, shl(5, nFeatures)))
        }
        unchecked {
            for (uint256 k; k < nFeatures; ++k) {
                uint256 xk = FixedPointModel.fastLog2(features[k], FixedPointModel.INPUT_FRAC_BITS);
                assembly ("memory-safe") {
                    mstore(add(xs, shl(5, k)), xk)
                }
                sumX += xk;
            }
        }
    }

    /// @dev The level part of Y and the output bias: (L_24(S) - 30 2^24) 2^8 + b 2^24 with S = c0 2^18 +
    /// sum_k w_k F_k from the level block (after chunk 0's extra-chunk entries) and b from meta bits 144-159; and
    /// where chunk 0's units start (after the level block)
    function _levelForecast(uint256 head, uint256 meta, uint256[] calldata features)
        internal
        pure
        returns (int256 y, uint256 units)
    {
        uint256 levelSum;
        assembly ("memory-safe") {
            let level := add(head, add(64, shl(5, and(shr(184, meta), 0xff))))
            levelSum := shl(18, shr(224, mload(level)))
            for { let k := 0 } lt(k, features.length) { k := add(k, 1) } {
                let wk := shr(232, mload(add(level, add(4, mul(3, k)))))
                levelSum := add(levelSum, mul(wk, calldataload(add(features.offset, shl(5, k)))))
            }
            units := add(level, and(add(add(4, mul(3, features.length)), 31), not(31)))
        }
        y = FixedPointModel.levelLog2(levelSum);
        assembly ("memory-safe") {
            y := add(y, shl(24, signextend(1, shr(144, meta))))
        }
    }

    /// @dev The hidden units, chunk by chunk: y + sum_j v_j max(Z_j, 0), Z_j = c_j 2^12 + sum_k W[j][k] x_k
    function _hidden(int256 y, uint256 meta, uint256 head, uint256 p, uint256 xs, uint256 sumX, bool fromStorage)
        internal
        view
        returns (int256)
    {
        uint256 nFeatures = (meta >> 232) & 0xffff;
        bool packed = meta >> 248 != 0;
        uint256 unitBytes = packed ? 32 * (nFeatures + 2) : 2 * nFeatures + 4;
        uint256 nExtra = (meta >> 184) & 0xff;
        uint256 units = (meta >> 160) & 0xffffff;
        uint256 buffer;
        for (uint256 e;; ++e) {
            y = packed ? _packedGroups(y, meta, p, units, xs, sumX) : _plainRows(y, p, units, xs, nFeatures);
            if (e == nExtra) break;
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(head, add(64, shl(5, e))))
            }
            units = entry >> 160;
            if (buffer == 0) {
                // one buffer for every extra chunk, as large as the first (the fullest) one
                assembly ("memory-safe") {
                    buffer := mload(0x40)
                    mstore(0x40, add(buffer, and(add(mul(units, unitBytes), 31), not(31))))
                }
            }
            p = buffer;
            _load(address(uint160(entry)), p, units * unitBytes, fromStorage);
        }
        return y;
    }

    /// @dev `rows` plain rows at p (c_j, v_j, W[j][0..K) as signed 16-bit lanes): y + sum v_j max(Z_j, 0).
    /// Four weights per MLOAD.
    function _plainRows(int256 y, uint256 p, uint256 rows, uint256 xs, uint256 nFeatures)
        internal
        pure
        returns (int256 acc)
    {
        assembly ("memory-safe") {
            acc := y
            let xEnd := add(xs, shl(5, nFeatures))
            let xEnd4 := add(xs, shl(5, and(nFeatures, not(3))))
            for { let end := add(p, mul(rows, add(4, shl(1, nFeatures)))) } lt(p, end) {} {
                let cv := mload(p)
                let z := shl(12, signextend(1, shr(240, cv)))
                p := add(p, 4)
                let xp := xs
                for {} lt(xp, xEnd4) {} {
                    let w := mload(p)
                    z := add(
                        z,
                        add(
                            add(mul(signextend(1, shr(240, w)), mload(xp)), mul(signextend(1, shr(224, w)), mload(add(xp, 32)))),
                            add(mul(signextend(1, shr(208, w)), mload(add(xp, 64))), mul(signextend(1, shr(192, w)), mload(add(xp, 96))))
                        )
                    )
                    p := add(p, 8)
                    xp := add(xp, 128)
                }
                for {} lt(xp, xEnd) {} {
                    z := add(z, mul(signextend(1, shr(240, mload(p))), mload(xp)))
                    p := add(p, 2)
                    xp := add(xp, 32)
                }
                if sgt(z, 0) { acc := add(acc, mul(signextend(1, shr(224, cv)), z)) }
            }
        }
    }

    /// @dev `groups` packed groups at p (see the contract notes): one multiply per feature computes every lane's
    /// sum_k (W + 2^15) x_k at once; starting from the bias word adds c_j 2^12 + 2^27, so
    /// Z_j = lane_j - (2^15 sum_k x_k + 2^27). Lanes of units past J hold 0, so their Z is negative and v is 0.
    function _packedGroups(int256 y, uint256 meta, uint256 p, uint256 groups, uint256 xs, uint256 sumX)
        internal
        pure
        returns (int256 acc)
    {
        assembly ("memory-safe") {
            acc := y
            // (parameters reused as locals, to stay within the stack: groups -> end, sumX -> offset, meta -> laneBits)
            let xEnd := add(xs, shl(5, and(shr(232, meta), 0xffff)))
            let xEnd4 := add(xs, shl(5, and(and(shr(232, meta), 0xffff), not(3))))
            groups := add(p, mul(groups, add(64, sub(xEnd, xs))))
            sumX := add(shl(15, sumX), shl(27, 1))
            meta := and(shr(200, meta), 0xff)
            let mask := sub(shl(meta, 1), 1)
            for {} lt(p, groups) {} {
                let lanes := mload(p)
                let vs := mload(add(p, 32))
                p := add(p, 64)
                let xp := xs
                for {} lt(xp, xEnd4) {} {
                    lanes := add(
                        lanes,
                        add(
                            add(mul(mload(xp), mload(p)), mul(mload(add(xp, 32)), mload(add(p, 32)))),
                            add(mul(mload(add(xp, 64)), mload(add(p, 64))), mul(mload(add(xp, 96)), mload(add(p, 96))))
                        )
                    )
                    p := add(p, 128)
                    xp := add(xp, 128)
                }
                for {} lt(xp, xEnd) {} {
                    lanes := add(lanes, mul(mload(xp), mload(p)))
                    p := add(p, 32)
                    xp := add(xp, 32)
                }
                // every lane of the group; a lane past the last one reads 0 (z < 0)
                for {} vs {} {
                    let z := sub(and(lanes, mask), sumX)
                    if sgt(z, 0) { acc := add(acc, mul(signextend(1, vs), z)) }
                    lanes := shr(meta, lanes)
                    vs := shr(16, vs)
                }
            }
        }
    }

    /// @dev Copies `len` data bytes of `chunk` (all of them when `len` is 0) to `dst`, from its code or its storage
    /// copy (always all of it); returns the number of bytes copied
    function _load(address chunk, uint256 dst, uint256 len, bool fromStorage) internal view returns (uint256) {
        assembly ("memory-safe") {
            switch fromStorage
            case 0 {
                if iszero(len) { len := sub(extcodesize(chunk), 1) }
                extcodecopy(chunk, dst, 1, len)
            }
            default {
                // an address in assembly may carry dirty high bits (here from a chunk entry's unit count)
                let base := shl(64, and(chunk, 0xffffffffffffffffffffffffffffffffffffffff))
                len := sload(or(base, shl(63, 1)))
                // a chunk that was never stored would leave stale memory in its place
                if iszero(len) { revert(0, 0) }
                for { let i := 0 } lt(shl(5, i), len) { i := add(i, 1) } {
                    mstore(add(dst, shl(5, i)), sload(add(base, i)))
                }
            }
        }
        return len;
    }
}
