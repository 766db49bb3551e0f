pragma circom 2.1.0;

include "bits.circom";

// SPEC §4, exact integers:
//   Z_j = c_j 2^S + sum_i W[j][i] X_i                         (scale 2^(F+S))
//   Y   = b 2^(2S) + sum_i a_i X_i 2^S + sum_j v_j max(Z_j, 0)  (scale 2^(F+2S), not rescaled)
// The sign of Z_j comes from a decomposition of Z_j + 2^ZB. ZB = 32 is enough: the caller
// range-checks every weight to 16 bits and every input X_i is a fast log2 of a range-checked lane
// (X_i <= 8447 for the 33-bit sums, 8191 for the 32-bit lanes, 2046 for the 8-bit counts), so
// |Z_j| <= 2^15 (4*8447 + 4*8191 + 4*2046) + 2^15 2^12 < 2^31.3 for ANY witness.
// (SPEC §4 states the looser |Z_j| < 2^35; the decomposition is unique either way.)
template Network(N, J, F, S, ZB) {
    signal input X[N];
    signal input W[J][N];
    signal input c[J];
    signal input a[N];
    signal input v[J];
    signal input b;
    signal output Y;

    signal pw[J][N];
    signal pa[N];
    signal h[J];
    signal vh[J];
    component sign[J];

    var y = b * (1 << (2 * S));
    for (var i = 0; i < N; i++) {
        pa[i] <== a[i] * X[i];
        y += pa[i] * (1 << S);
    }
    for (var j = 0; j < J; j++) {
        var z = c[j] * (1 << S);
        for (var i = 0; i < N; i++) {
            pw[j][i] <== W[j][i] * X[i];
            z += pw[j][i];
        }
        sign[j] = NonNegBit(ZB);
        sign[j].in <== z;
        h[j] <== sign[j].out * z;
        vh[j] <== v[j] * h[j];
        y += vh[j];
    }
    Y <== y;
}
