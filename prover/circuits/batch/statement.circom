pragma circom 2.1.0;

// One pool's fee statement (model/SPEC.md §3-6) without its public-word packing: the same
// computation as the template ProvenFee in ../provenfee.circom (sections 1-6 there, word for word
// apart from section 1), for circuits that pack the lanes of several pools into their own public
// words (batch.circom). provenfee.circom keeps its own copy so that its committed single-pool keys
// stay those of an unchanged source (test/prover.test.ts rebuilds and compares them).
//
// Inputs: every lane of the pool's public words (features, pool bounds, period, fee, forecast),
// each range-checked here (fee and forecast forced equal to computed values), and the model's
// parameters, bound to `commitment` by the lane-packed Poseidon(4). The caller must make
// `commitment` and every lane public (directly or packed), or the statement binds nothing.

include "circomlib/circuits/poseidon.circom";
include "../lib/bits.circom";
include "../lib/log2.circom";
include "../lib/correction.circom";
include "../lib/policy.circom";

template FeeStatement() {
    var K = 5;          // features: EWMA variances (SPEC §2)
    var J = 4;          // hidden units of the correction
    var FB = 38;        // bits of a feature lane
    var EF = 18;        // fractional bits of a feature (ticks^2 per period)
    var F = 8;          // fractional bits of the log inputs x_k
    var FL = 24;        // fractional bits of the fast log2 of the level sum
    var S = 12;         // fractional bits of the weights

    // ---- inputs: the caller packs the lanes below into its public words ------------------------
    signal input commitment;
    signal input features[K];
    signal input poolFeeMin;
    signal input poolFeeMax;
    signal input period;
    signal input fee;
    signal input forecast;
    signal input w[K];
    signal input c0;
    signal input W[J][K];
    signal input c[J];
    signal input v[J];
    signal input b;
    signal input base;
    signal input slope;
    signal input modelFeeMin;
    signal input modelFeeMax;
    signal input horizon;

    // ---- 1. lanes: range-checked here, so a caller's packing of them has one decomposition --------
    // fee and forecast need no range check of their own: each is forced to equal a computed value
    // (a min/max of 24-bit values; a clamp into [0, 3 * 2^36)).
    component featureRange[K];
    for (var k = 0; k < K; k++) {
        featureRange[k] = RangeCheck(FB);
        featureRange[k].in <== features[k];
    }
    component poolMinRange = RangeCheck(24);
    poolMinRange.in <== poolFeeMin;
    component poolMaxRange = RangeCheck(24);
    poolMaxRange.in <== poolFeeMax;
    component periodRange = RangeCheck(32);
    periodRange.in <== period;

    // ---- 2. log inputs: fast log2 of each feature (SPEC §3) ---------------------------------
    signal X[K];
    component logFeature[K];
    for (var k = 0; k < K; k++) {
        logFeature[k] = FastLog2Wide(FB, F);
        logFeature[k].in <== features[k];
        X[k] <== logFeature[k].out;
    }

    // ---- 3. parameters: level lanes unsigned, correction lanes signed 16-bit (SPEC §6) ------
    component levelRange[K];
    signal wf[K];
    var levelSum = c0 * (1 << EF);
    var levelWord = c0;
    for (var k = 0; k < K; k++) {
        levelRange[k] = RangeCheck(24);
        levelRange[k].in <== w[k];
        wf[k] <== w[k] * features[k];
        levelSum += wf[k];
        levelWord += w[k] * (1 << (32 + 24 * k));
    }
    component c0Range = RangeCheck(32);
    c0Range.in <== c0;

    var P = J * K + J + J + 1;           // 29
    signal params[P];
    for (var j = 0; j < J; j++) {
        for (var k = 0; k < K; k++) {
            params[j * K + k] <== W[j][k];
        }
        params[J * K + j] <== c[j];
        params[J * K + J + j] <== v[j];
    }
    params[P - 1] <== b;
    component paramRange[P];
    var words[2];
    words[0] = 0;
    words[1] = 0;
    for (var p = 0; p < P; p++) {
        paramRange[p] = RangeCheck(16);
        paramRange[p].in <== params[p] + (1 << 15);
        words[p \ 15] += (params[p] + (1 << 15)) * (1 << (16 * (p % 15)));
    }

    // ---- 4. forecast (SPEC §4) ----------------------------------------------------------------
    // S = c0 2^18 + sum_k w_k F_k < 2^50 + 5 * 2^62 < 2^65 for any witness (range-checked lanes).
    component logLevel = FastLog2Wide(65, FL);
    logLevel.in <== levelSum;
    component correction = Correction(K, J, S, 32);
    correction.X <== X;
    correction.W <== W;
    correction.c <== c;
    correction.v <== v;
    signal Y <== (logLevel.out - (EF + S) * (1 << FL)) * (1 << (32 - FL)) + b * (1 << (32 - F)) + correction.out;

    // ---- 5. policy and the published forecast (SPEC §5) ---------------------------------------
    component baseRange = RangeCheck(24);
    baseRange.in <== base + (1 << 23);
    component slopeRange = RangeCheck(24);
    slopeRange.in <== slope;
    component modelMinRange = RangeCheck(24);
    modelMinRange.in <== modelFeeMin;
    component modelMaxRange = RangeCheck(24);
    modelMaxRange.in <== modelFeeMax;
    component horizonRange = RangeCheck(16);
    horizonRange.in <== horizon;

    component policy = FeePolicy();
    policy.Y <== Y;
    policy.base <== base;
    policy.slope <== slope;
    policy.modelFeeMin <== modelFeeMin;
    policy.modelFeeMax <== modelFeeMax;
    policy.poolFeeMin <== poolFeeMin;
    policy.poolFeeMax <== poolFeeMax;
    fee === policy.fee;
    forecast === policy.s;

    // ---- 6. commitment (SPEC §6) --------------------------------------------------------------
    component hash = Poseidon(4);
    hash.inputs[0] <== words[0];
    hash.inputs[1] <== words[1];
    hash.inputs[2] <== levelWord;
    hash.inputs[3] <== (base + (1 << 23)) + slope * (1 << 24) + modelFeeMin * (1 << 48)
        + modelFeeMax * (1 << 72) + period * (1 << 96) + horizon * (1 << 128);
    commitment === hash.out;

}
