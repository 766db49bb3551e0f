pragma circom 2.1.0;

include "bits.circom";

// The fast log2 of SPEC §3 with F fractional bits:
//   L(0) = 0;  L(v) = m * 2^F + floor((v - 2^m) * 2^F / 2^m),  m = floor(log2 v).

// Index of the most significant set bit of x (x >= 1), searching n bits.
function msbIndex(x, n) {
    var m = 0;
    for (var k = 0; k < n; k++) {
        if ((x >> k) & 1 == 1) {
            m = k;
        }
    }
    return m;
}

// Bits needed to write every integer in [0, x].
function bitsFor(x) {
    var b = 1;
    while ((1 << b) <= x) {
        b++;
    }
    return b;
}

// L(v) for a v whose n bits the caller already has (boolean-constrained, v = sum bits[k] 2^k),
// when n <= F + 1, so the fraction (v - 2^m) * 2^(F-m) is exact (no floor).
// Prefix-OR one-hot MSB: o[k] = OR(bits[k..n-1]), e[k] = o[k] - o[k+1] is the one-hot MSB,
// m = sum_{k>=1} o[k], P = 2^(F-m) = sum e[k] 2^(F-k), and
//   L = (m - o[0]) * 2^F + v * P       (v*P = 2^F + (v - 2^m) 2^(F-m); v = 0 gives o = 0, L = 0).
// n constraints: n-1 ORs and one product.
template FastLog2SmallBits(n, F) {
    assert(n >= 2);
    assert(n <= F + 1);
    signal input bits[n];
    signal output out;

    signal o[n];
    o[n - 1] <== bits[n - 1];
    for (var k = n - 2; k >= 0; k--) {
        o[k] <== o[k + 1] + bits[k] - o[k + 1] * bits[k];
    }
    var v = 0;
    var P = 0;
    var m = 0;
    for (var k = 0; k < n; k++) {
        v += bits[k] * (1 << k);
        var next = 0;
        if (k + 1 < n) {
            next = o[k + 1];
        }
        P += (o[k] - next) * (1 << (F - k));
        if (k >= 1) {
            m += o[k];
        }
    }
    signal u <== v * P;
    out <== (m - o[0]) * (1 << F) + u;
}

// L(v) for an integer v in [0, 2^n) that the caller has range-checked (as an integer: either by
// bits or as a sum of range-checked integers), n >= F + 2. No bits of v are needed.
//   z   = [v == 0], w = v + z  (w >= 1 and L(w) = L(v): L(0) = L(1) = 0)
//   sh  = n - 1 - m, a witness in B bits (B = bitsFor(n - 1)); Q = 2^sh by a product chain
//   u   = w * Q, and u = 2^(n-1) + frac * 2^(n-1-F) + r with frac in [0, 2^F), r in [0, 2^(n-1-F))
// The last line puts u in [2^(n-1), 2^n), i.e. w in [2^(n-1-sh), 2^(n-sh)): m = n-1-sh is the MSB
// index (a witness sh > n-1 would need w < 1), and frac = floor(w * 2^(F-m)) - 2^F as SPEC defines.
// No wrap-around: w < 2^n, Q < 2^(2^B), u < 2^(n + 2^B) << p.
// n + 3 + 2B - 1 constraints (43 for n = 32, 46 for n = 33).
template FastLog2Wide(n, F) {
    assert(n >= F + 2);
    var B = bitsFor(n - 1);
    signal input in;
    signal output out;

    component zero = IsZeroFlag();
    zero.in <== in;
    var w = in + zero.out;

    signal sb[B];
    var sh = n - 1 - msbIndex(in + zero.out, n);
    for (var i = 0; i < B; i++) {
        sb[i] <-- (sh >> i) & 1;
        sb[i] * (sb[i] - 1) === 0;
    }
    // Q = prod_i (1 + (2^(2^i) - 1) sb[i])
    signal q[B];
    q[0] <== 1 + sb[0];
    for (var i = 1; i < B; i++) {
        q[i] <== q[i - 1] * (1 + ((1 << (1 << i)) - 1) * sb[i]);
    }
    signal u <== w * q[B - 1];

    var R = n - 1 - F;
    signal frac;
    signal r;
    frac <-- (u >> R) & ((1 << F) - 1);
    r <-- u & ((1 << R) - 1);
    component fracRange = RangeCheck(F);
    fracRange.in <== frac;
    component rRange = RangeCheck(R);
    rRange.in <== r;
    u === (1 << (n - 1)) + frac * (1 << R) + r;

    var shv = 0;
    for (var i = 0; i < B; i++) {
        shv += sb[i] * (1 << i);
    }
    out <== (n - 1 - shv) * (1 << F) + frac;
}
