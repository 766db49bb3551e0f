// A variant of prover/circuits/provenfee.circom (model revision 2) with J hidden units (K = 5 features, the same 4
// public signals), compiled only to COUNT constraints for bench/crossover (bench/crossover/constraints.ts); never set
// up or proven. Differences from the real circuit: J is a template parameter, and the commitment hashes the
// ceil(P/15) correction words (P = 7J + 1 signed 16-bit parameters), the level word and the policy word with one
// circomlib Poseidon while they fit (<= 16 inputs; at J = 4 exactly the real circuit's Poseidon(4), so the count
// must equal its 2,044), otherwise with a chain of Poseidon(16) that absorbs 15 words a step after the first 16.
// Everything else is the real circuit's code, section by section, with the same lib/ templates.
pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "../../../prover/circuits/lib/bits.circom";
include "../../../prover/circuits/lib/log2.circom";
include "../../../prover/circuits/lib/correction.circom";
include "../../../prover/circuits/lib/policy.circom";

template ProvenFeeVariant(J) {
    var K = 5;          // features: EWMA variances (SPEC §2)
    var FB = 38;        // bits of a feature lane
    var EF = 18;        // fractional bits of a feature (ticks^2 per period)
    var F = 8;          // fractional bits of the log inputs x_k
    var FL = 24;        // fractional bits of the fast log2 of the level sum
    var S = 12;         // fractional bits of the weights

    // ---- public (order matters: snarkjs lists public inputs in declaration order) -------------
    signal input featureWord;
    signal input termsWord;
    signal input commitment;
    signal input context;

    // ---- private ------------------------------------------------------------------------------
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

    // ---- 1. public words (as the real circuit) ------------------------------------------------
    component featureRange[K];
    var word0 = 0;
    for (var k = 0; k < K; k++) {
        featureRange[k] = RangeCheck(FB);
        featureRange[k].in <== features[k];
        word0 += features[k] * (1 << (FB * k));
    }
    featureWord === word0;
    component poolMinRange = RangeCheck(24);
    poolMinRange.in <== poolFeeMin;
    component poolMaxRange = RangeCheck(24);
    poolMaxRange.in <== poolFeeMax;
    component periodRange = RangeCheck(32);
    periodRange.in <== period;
    termsWord === poolFeeMin + poolFeeMax * (1 << 24) + period * (1 << 48) + fee * (1 << 80) + forecast * (1 << 104);

    // ---- 2. log inputs ------------------------------------------------------------------------
    signal X[K];
    component logFeature[K];
    for (var k = 0; k < K; k++) {
        logFeature[k] = FastLog2Wide(FB, F);
        logFeature[k].in <== features[k];
        X[k] <== logFeature[k].out;
    }

    // ---- 3. parameters: level lanes unsigned, correction lanes signed 16-bit -----------------
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

    var P = J * K + J + J + 1;           // 29 at J = 4
    var NW = (P + 14) \ 15;             // correction words, 15 lanes each
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
    var words[NW];
    for (var i = 0; i < NW; i++) {
        words[i] = 0;
    }
    for (var p = 0; p < P; p++) {
        paramRange[p] = RangeCheck(16);
        paramRange[p].in <== params[p] + (1 << 15);
        words[p \ 15] += (params[p] + (1 << 15)) * (1 << (16 * (p % 15)));
    }

    // ---- 4. forecast --------------------------------------------------------------------------
    component logLevel = FastLog2Wide(65, FL);
    logLevel.in <== levelSum;
    component correction = Correction(K, J, S, 32);
    correction.X <== X;
    correction.W <== W;
    correction.c <== c;
    correction.v <== v;
    signal Y <== (logLevel.out - (EF + S) * (1 << FL)) * (1 << (32 - FL)) + b * (1 << (32 - F)) + correction.out;

    // ---- 5. policy and the published forecast -------------------------------------------------
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

    // ---- 6. commitment: correction words, level word, policy word ------------------------------
    component hash = CommitmentVariant(NW + 2);
    for (var i = 0; i < NW; i++) {
        hash.words[i] <== words[i];
    }
    hash.words[NW] <== levelWord;
    hash.words[NW + 1] <== (base + (1 << 23)) + slope * (1 << 24) + modelFeeMin * (1 << 48)
        + modelFeeMax * (1 << 72) + period * (1 << 96) + horizon * (1 << 128);
    commitment === hash.out;

    // ---- 7. context ---------------------------------------------------------------------------
    signal contextSquared <== context * context;
}

// Poseidon of n words: circomlib's Poseidon(n) for n <= 16; beyond, Poseidon(16) of the first 16, then of the
// previous digest and the next 15 words, zero-padded at the end.
template CommitmentVariant(n) {
    signal input words[n];
    signal output out;
    if (n <= 16) {
        component single = Poseidon(n);
        single.inputs <== words;
        out <== single.out;
    } else {
        var steps = 1 + (n - 16 + 14) \ 15;
        component h[steps];
        signal digest[steps];
        var next = 0;
        for (var s = 0; s < steps; s++) {
            h[s] = Poseidon(16);
            var start = 0;
            if (s > 0) {
                h[s].inputs[0] <== digest[s - 1];
                start = 1;
            }
            for (var i = start; i < 16; i++) {
                if (next < n) {
                    h[s].inputs[i] <== words[next];
                } else {
                    h[s].inputs[i] <== 0;
                }
                next++;
            }
            digest[s] <== h[s].out;
        }
        out <== digest[steps - 1];
    }
}
