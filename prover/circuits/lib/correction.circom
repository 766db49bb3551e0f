pragma circom 2.1.0;

include "bits.circom";

// SPEC §4's learned correction, exact integers:
//   Z_j = c_j 2^S + sum_k W[j][k] X_k        (scale 2^(F+S))
//   out = sum_j v_j max(Z_j, 0)               (scale 2^(F+2S))
// The sign of Z_j comes from a decomposition of Z_j + 2^ZB. ZB = 32 is enough: the caller
// range-checks every weight to 16 bits and every input X_k is a fast log2 of a 38-bit lane
// (X_k < 38 * 2^8), so |Z_j| <= 2^15 2^12 + 5 * 2^15 * 9728 < 2^31 for ANY witness.
template Correction(N, J, S, ZB) {
    signal input X[N];
    signal input W[J][N];
    signal input c[J];
    signal input v[J];
    signal output out;

    signal pw[J][N];
    signal h[J];
    signal vh[J];
    component sign[J];

    var acc = 0;
    for (var j = 0; j < J; j++) {
        var z = c[j] * (1 << S);
        for (var k = 0; k < N; k++) {
            pw[j][k] <== W[j][k] * X[k];
            z += pw[j][k];
        }
        sign[j] = NonNegBit(ZB);
        sign[j].in <== z;
        h[j] <== sign[j].out * z;
        vh[j] <== v[j] * h[j];
        acc += vh[j];
    }
    out <== acc;
}
