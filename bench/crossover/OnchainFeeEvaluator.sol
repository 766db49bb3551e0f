// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title OnchainFeeEvaluator
/// @notice The fee of model/SPEC.md §3-5 computed on-chain instead of proven: fast-log2 inputs, the fixed-point
/// network (N inputs, J hidden ReLU units, linear path, signed 16-bit weights at the spec's scales, exact integer
/// maths) and the fee policy (clamp, fast exp2, base/slope, the four clamps). It exists to measure when evaluating
/// the model on-chain would be cheaper than verifying a Groth16 proof of it (bench/crossover/README.md).
///
/// @dev Generalization beyond the shipped 12 x 4 model: N = 3H inputs from 3H raw features laid out as SPEC §2 lays
/// out the 12 (H "horizons"): raw = [up_1..up_H, down_1..down_H, n_1..n_H], inputs x[h] = L(up_h + down_h),
/// x[H+h] = L(down_h), x[2H+h] = L(n_h). With H = 4 this is exactly SPEC §3.
///
/// Weights live in contract bytecode (SSTORE2-style data contracts, written by ModelDeployer.sol) and are read with
/// EXTCODECOPY: 2,600 gas for the first (cold) touch of a data contract, then 3 gas per 32 bytes copied, against
/// 2,100 gas per 32-byte word for cold SLOAD. Data layout (all big-endian, after the data contract's leading 0x00):
///
///   chunk 0: meta word | nExtra words (units << 160 | chunk address) | scalars | chunk-0 weights
///   meta   : kernel << 248 | N << 232 | J << 216 | laneBits << 208 | lanesPerWord << 200 | nExtra << 192
///            | units0 << 176 | uint24(base) << 152 | slope << 128 | modelFeeMin << 104 | modelFeeMax << 80
///   scalars: c[0..J), v[0..J), a[0..N), b as signed 16-bit lanes, zero-padded to a multiple of 32 bytes
///   weights, kernel 0 ("plain"): hidden rows W[j][0..N) as signed 16-bit lanes, one multiply per weight;
///   weights, kernel 1 ("packed"): for each group g of `lanesPerWord` hidden units and each input i, one word
///            sum_l (W[g*lanesPerWord + l][i] + 2^15) << (laneBits * l). Inputs are non-negative (L(v) >= 0), so
///            one 256-bit multiply X_i * word computes lanesPerWord products at once (SIMD within a register);
///            each lane sums to < N * 2^16 * 2^14 <= 2^laneBits, so lanes never carry into each other, and
///            Z_j = c_j 2^S + lane_j - 2^15 * sum_i X_i restores the signed pre-activation exactly.
/// Each extra chunk (a data contract of its own, <= 24,575 bytes by EIP-170) holds a whole number of units (rows,
/// or groups) of weights.
///
/// Inputs are trusted to be in the hook's ranges (up/down < 2^32, counts <= 240); nothing is range-checked here,
/// just as the hook does not check its own features before packing them.
contract OnchainFeeEvaluator {
    uint256 internal constant S = 12; // fractional bits of weights
    uint256 internal constant SIGMA_FRAC = 33; // sigma scale 2^33
    uint256 internal constant FEE_SHIFT = 41; // 2^33 (sigma) * 2^8 (slope)
    uint256 internal constant SIGMA_LOG2_CAP = 24;

    error BadInputs();

    /// @notice The fee (pips) of the model whose chunk 0 is `model`, its weights read from that bytecode, or with
    /// `fromStorage` from this contract's storage (see `store`).
    function fee(address model, uint256[] calldata raw, uint256 poolFeeMin, uint256 poolFeeMax, bool fromStorage)
        external
        view
        returns (uint256)
    {
        (int256 y, uint256 meta) = _forecast(model, raw, fromStorage);
        return _fee(y, meta, poolFeeMin, poolFeeMax);
    }

    /// @notice The forecast Y of SPEC §4 (scale 2^32, never rescaled), for parity tests.
    function forecast(address model, uint256[] calldata raw, bool fromStorage) external view returns (int256 y) {
        (y,) = _forecast(model, raw, fromStorage);
    }

    /// @notice Copies the model's data contracts (chunk 0 and every extra chunk) into this contract's storage, so
    /// that `fee(.., true)` reads it with SLOAD: chunk `a`'s length at slot a << 64 | 1 << 63, word k at a << 64 | k.
    function store(address model) external {
        _storeChunk(model);
        bytes memory head = model.code;
        uint256 meta;
        assembly {
            meta := mload(add(head, 33))
        }
        uint256 nExtra = (meta >> 192) & 0xff;
        for (uint256 k; k < nExtra; ++k) {
            uint256 entry;
            assembly {
                entry := mload(add(head, add(65, mul(k, 32))))
            }
            _storeChunk(address(uint160(entry)));
        }
    }

    function _storeChunk(address chunk) internal {
        bytes memory code = chunk.code;
        uint256 base = uint256(uint160(chunk)) << 64;
        uint256 len = code.length - 1;
        assembly {
            sstore(or(base, shl(63, 1)), len)
            for { let k := 0 } lt(mul(k, 32), len) { k := add(k, 1) } {
                sstore(add(base, k), mload(add(add(code, 33), mul(k, 32))))
            }
        }
    }

    /// @dev SPEC §3-4. Memory from the free-memory pointer (never advanced: nothing allocates meanwhile):
    ///   frame: [0] meta | [32] scalars pointer | [64] 2^15 sum_i X_i | [96] end of X | [128] end of X rounded
    ///          down to 4 inputs | [160] v pointer | X[0..N) | chunk 0 | (at chunk 0 + 24,576) extra-chunk buffer
    function _forecast(address model, uint256[] calldata raw, bool fromStorage)
        internal
        view
        returns (int256 y, uint256 meta)
    {
        uint256 nIn = raw.length;
        if (nIn == 0 || nIn % 3 != 0) revert BadInputs();
        bool ok;
        assembly {
            // Copies `len` data bytes of `chunk` (all of them when `len` is 0) to `dst`; returns the length
            function load(chunk, dst, len, fromStore) -> n {
                switch fromStore
                case 0 {
                    n := len
                    if iszero(n) { n := sub(extcodesize(chunk), 1) }
                    extcodecopy(chunk, dst, 1, n)
                }
                default {
                    let base := shl(64, chunk)
                    n := sload(or(base, shl(63, 1)))
                    for { let k := 0 } lt(mul(k, 32), n) { k := add(k, 1) } {
                        mstore(add(dst, mul(k, 32)), sload(add(base, k)))
                    }
                }
            }
            // L(v) of SPEC §3 at scale 2^8, for v < 2^128
            function log2fx(v) -> r {
                if v {
                    let m := shl(6, lt(0xffffffffffffffff, v))
                    m := or(m, shl(5, lt(0xffffffff, shr(m, v))))
                    m := or(m, shl(4, lt(0xffff, shr(m, v))))
                    m := or(m, shl(3, lt(0xff, shr(m, v))))
                    m := or(m, shl(2, lt(0xf, shr(m, v))))
                    m := or(m, shl(1, lt(0x3, shr(m, v))))
                    m := or(m, lt(0x1, shr(m, v)))
                    r := add(shl(8, m), shr(m, shl(8, sub(v, shl(m, 1)))))
                }
            }
            function lane16(ptr, i) -> q {
                q := signextend(1, shr(240, mload(add(ptr, mul(i, 2)))))
            }
            // `units` hidden rows of 16-bit weights at p, hidden units from j:
            // Z_j = c_j 2^S + sum_i W[j][i] X_i, Y += v_j max(Z_j, 0); four weights per MLOAD
            function plain(y0, f, p, units, j) -> acc_y {
                acc_y := y0
                let xEnd4 := mload(add(f, 128))
                let xEnd := mload(add(f, 96))
                for { let jEnd := add(j, units) } lt(j, jEnd) { j := add(j, 1) } {
                    let z := shl(12, lane16(mload(add(f, 32)), j))
                    let xp := add(f, 192)
                    for {} lt(xp, xEnd4) {} {
                        let w := mload(p)
                        z := add(
                            z,
                            add(
                                add(mul(signextend(1, shr(240, w)), mload(xp)), mul(signextend(1, shr(224, w)), mload(add(xp, 32)))),
                                add(
                                    mul(signextend(1, shr(208, w)), mload(add(xp, 64))),
                                    mul(signextend(1, shr(192, w)), mload(add(xp, 96)))
                                )
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
                    if sgt(z, 0) { acc_y := add(acc_y, mul(lane16(mload(add(f, 160)), j), z)) }
                }
            }
            // `groups` groups of packed words at p (see the contract notes), hidden units from j
            function packed(y0, f, p, groups, j) -> acc_y {
                acc_y := y0
                let meta_ := mload(f)
                let laneBits := and(shr(208, meta_), 0xff)
                let lanes := and(shr(200, meta_), 0xff)
                let nHidden := and(shr(216, meta_), 0xffff)
                for { let g := 0 } lt(g, groups) { g := add(g, 1) } {
                    let acc := 0
                    let xp := add(f, 192)
                    for { let xEnd4 := mload(add(f, 128)) } lt(xp, xEnd4) {} {
                        acc := add(
                            acc,
                            add(
                                add(mul(mload(xp), mload(p)), mul(mload(add(xp, 32)), mload(add(p, 32)))),
                                add(mul(mload(add(xp, 64)), mload(add(p, 64))), mul(mload(add(xp, 96)), mload(add(p, 96))))
                            )
                        )
                        p := add(p, 128)
                        xp := add(xp, 128)
                    }
                    for { let xEnd := mload(add(f, 96)) } lt(xp, xEnd) {} {
                        acc := add(acc, mul(mload(xp), mload(p)))
                        p := add(p, 32)
                        xp := add(xp, 32)
                    }
                    let end := add(j, lanes)
                    if gt(end, nHidden) { end := nHidden }
                    let mask := sub(shl(laneBits, 1), 1)
                    for {} lt(j, end) { j := add(j, 1) } {
                        let z := add(sub(and(acc, mask), mload(add(f, 64))), shl(12, lane16(mload(add(f, 32)), j)))
                        acc := shr(laneBits, acc)
                        if sgt(z, 0) { acc_y := add(acc_y, mul(lane16(mload(add(f, 160)), j), z)) }
                    }
                }
            }

            // X[i] (SPEC §3 generalized to H = N/3 horizons) at f + 192; returns sum_i X_i
            function inputs(f, src, n) -> sumX {
                let xPtr := add(f, 192)
                let h3 := div(n, 3)
                for { let h := 0 } lt(h, h3) { h := add(h, 1) } {
                    let down := calldataload(add(src, mul(add(h3, h), 32)))
                    let x0 := log2fx(add(calldataload(add(src, mul(h, 32))), down))
                    let x1 := log2fx(down)
                    let x2 := log2fx(calldataload(add(src, mul(add(h3, add(h3, h)), 32))))
                    mstore(add(xPtr, mul(h, 32)), x0)
                    mstore(add(xPtr, mul(add(h3, h), 32)), x1)
                    mstore(add(xPtr, mul(add(h3, add(h3, h)), 32)), x2)
                    sumX := add(sumX, add(x0, add(x1, x2)))
                }
            }
            // the frame, then Y = b 2^(2S) + 2^S sum_i a_i X_i: the output bias and the linear (HAR) path
            function linear(f, head, meta_, n) -> r {
                let nHidden := and(shr(216, meta_), 0xffff)
                let scalars := add(head, mul(32, add(1, and(shr(192, meta_), 0xff))))
                mstore(f, meta_)
                mstore(add(f, 32), scalars)
                mstore(add(f, 96), head)
                mstore(add(f, 128), add(add(f, 192), mul(and(n, not(3)), 32)))
                mstore(add(f, 160), add(scalars, mul(2, nHidden)))
                let aPtr := add(scalars, mul(4, nHidden))
                let sa := 0
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    sa := add(sa, mul(lane16(aPtr, i), mload(add(f, add(192, mul(i, 32))))))
                }
                r := add(shl(24, lane16(aPtr, n)), shl(12, sa))
            }
            // the hidden units, chunk by chunk
            function hidden(y0, f, head, fromStore) -> r {
                r := y0
                let meta_ := mload(f)
                let n := and(shr(232, meta_), 0xffff)
                let p := add(mload(add(f, 32)), and(add(mul(2, add(add(mul(2, and(shr(216, meta_), 0xffff)), n), 1)), 31), not(31)))
                let units := and(shr(176, meta_), 0xffff)
                let j := 0
                for { let k := 0 } 1 { k := add(k, 1) } {
                    switch shr(248, meta_)
                    case 0 {
                        r := plain(r, f, p, units, j)
                        j := add(j, units)
                    }
                    default {
                        r := packed(r, f, p, units, j)
                        j := add(j, mul(units, and(shr(200, meta_), 0xff)))
                    }
                    if eq(k, and(shr(192, meta_), 0xff)) { break }
                    let entry := mload(add(head, mul(32, add(k, 1))))
                    units := shr(160, entry)
                    let unitBytes := mul(n, 32)
                    if iszero(shr(248, meta_)) { unitBytes := mul(n, 2) }
                    p := add(head, 24576)
                    pop(load(and(entry, 0xffffffffffffffffffffffffffffffffffffffff), p, mul(units, unitBytes), fromStore))
                }
            }

            let f := mload(0x40)
            mstore(add(f, 64), shl(15, inputs(f, raw.offset, nIn)))
            let head := add(f, add(192, mul(nIn, 32)))
            pop(load(model, head, 0, fromStorage))
            meta := mload(head)
            ok := eq(and(shr(232, meta), 0xffff), nIn)
            if ok { y := hidden(linear(f, head, meta, nIn), f, head, fromStorage) }
        }
        if (!ok) revert BadInputs();
    }

    /// @dev SPEC §5: clamp, fast exp2, base + slope * sigma floored, then the model's and the pool's bounds.
    function _fee(int256 y, uint256 meta, uint256 poolFeeMin, uint256 poolFeeMax) private pure returns (uint256 f) {
        assembly {
            let one := shl(SIGMA_FRAC, 1)
            let cap := sub(mul(SIGMA_LOG2_CAP, one), 1)
            let s := y
            if slt(s, 0) { s := 0 }
            if gt(s, cap) { s := cap }
            let sigma := shl(shr(SIGMA_FRAC, s), add(one, and(s, sub(one, 1))))
            let base := signextend(2, and(shr(152, meta), 0xffffff))
            let slope := and(shr(128, meta), 0xffffff)
            let raw := sar(FEE_SHIFT, add(shl(FEE_SHIFT, base), mul(slope, sigma)))
            let lo := and(shr(104, meta), 0xffffff)
            if gt(poolFeeMin, lo) { lo := poolFeeMin }
            let hi := and(shr(80, meta), 0xffffff)
            if lt(poolFeeMax, hi) { hi := poolFeeMax }
            f := raw
            if slt(f, lo) { f := lo }
            if sgt(f, hi) { f := hi }
        }
    }
}
