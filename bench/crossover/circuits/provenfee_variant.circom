// A variant of prover/circuits/provenfee.circom with J hidden units (N = 12 inputs, the same 4 public signals),
// compiled only to COUNT constraints for bench/crossover (bench/crossover/constraints.ts); never set up or proven.
// Differences from the real circuit: J is a template parameter, and the commitment hashes ceil(P/15) network words
// plus the policy word with one circomlib Poseidon when they fit (<= 16 inputs; at J = 4 exactly Poseidon(6), so the
// count must equal the real circuit's 2,774), otherwise with a chain of Poseidon(16) that absorbs 15 words a step.
pragma circom 2.1.0;

// provenfee: the LP fee of one pool as the committed volatility model computes it (model/SPEC.md
// §3-7), from the features and pool terms the hook packs into two public words.
//
// Public signals (SPEC §7, in this order): featureWord0, featureWord1, commitment, context.
// Everything else is private: the lanes of the two words (checked against them), the fee (a lane
// of featureWord1, forced to equal the fee computed here), the 69 network parameters, the policy
// and the horizon (all bound to `commitment` through the lane-packed Poseidon(6)).
//
// Soundness rests on every lane being range-checked, so that each packed word has exactly one
// decomposition and no product can wrap around the field: see the per-part notes below.

include "circomlib/circuits/poseidon.circom";
include "../../../prover/circuits/lib/bits.circom";
include "../../../prover/circuits/lib/log2.circom";
include "../../../prover/circuits/lib/network.circom";
include "../../../prover/circuits/lib/policy.circom";

template ProvenFeeVariant(J) {
    var F = 8;          // fractional bits of inputs (SPEC §3)
    var S = 12;         // fractional bits of weights (SPEC §4)
    var N = 12;         // inputs
    var H = 4;          // horizons

    // ---- public (order matters: snarkjs lists public inputs in declaration order) -------------
    signal input featureWord0;
    signal input featureWord1;
    signal input commitment;
    signal input context;

    // ---- private ------------------------------------------------------------------------------
    // [up_1, up_5, up_30, up_240, down_1, down_5, down_30, down_240, n_1, n_5, n_30, n_240]
    signal input features[12];
    signal input poolFeeMin;
    signal input poolFeeMax;
    signal input period;
    signal input fee;
    signal input W[J][N];
    signal input c[J];
    signal input a[N];
    signal input v[J];
    signal input b;
    signal input base;
    signal input slope;
    signal input modelFeeMin;
    signal input modelFeeMax;
    signal input horizon;

    // ---- 1. feature words: every lane range-checked, so each word has one decomposition ------
    // featureWord0 = up_1 | up_5 << 32 | up_30 << 64 | up_240 << 96 | down_1 << 128 | down_5 << 160 | down_30 << 192
    component lane32[8];
    var word0 = 0;
    for (var i = 0; i < 8; i++) {
        lane32[i] = RangeCheck(32);
        lane32[i].in <== features[i];
        if (i < 7) {
            word0 += features[i] * (1 << (32 * i));
        }
    }
    featureWord0 === word0;
    // featureWord1 = down_240 | n_1 << 32 | n_5 << 40 | n_30 << 48 | n_240 << 56 | poolFeeMin << 64
    //              | poolFeeMax << 88 | period << 112 | fee << 144
    component countBits[H];
    for (var h = 0; h < H; h++) {
        countBits[h] = ToBits(8);
        countBits[h].in <== features[8 + h];
    }
    component poolMinRange = RangeCheck(24);
    poolMinRange.in <== poolFeeMin;
    component poolMaxRange = RangeCheck(24);
    poolMaxRange.in <== poolFeeMax;
    component periodRange = RangeCheck(32);
    periodRange.in <== period;
    // fee needs no range check of its own: it is forced to equal the computed fee, which is a
    // min/max of 24-bit values.
    featureWord1 === features[7]
        + features[8] * (1 << 32) + features[9] * (1 << 40) + features[10] * (1 << 48) + features[11] * (1 << 56)
        + poolFeeMin * (1 << 64) + poolFeeMax * (1 << 88) + period * (1 << 112) + fee * (1 << 144);

    // ---- 2. model inputs: fast log2 (SPEC §3) -------------------------------------------------
    signal X[N];
    component logRv[H];
    component logDown[H];
    component logCount[H];
    for (var h = 0; h < H; h++) {
        // up_h + down_h < 2^33 as a sum of two range-checked 32-bit lanes
        logRv[h] = FastLog2Wide(33, F);
        logRv[h].in <== features[h] + features[4 + h];
        X[h] <== logRv[h].out;
        logDown[h] = FastLog2Wide(32, F);
        logDown[h].in <== features[4 + h];
        X[4 + h] <== logDown[h].out;
        logCount[h] = FastLog2SmallBits(8, F);
        logCount[h].bits <== countBits[h].out;
        X[8 + h] <== logCount[h].out;
    }

    // ---- 3. network parameters: signed 16-bit, range-checked as lanes (SPEC §6) ---------------
    var P = J * N + J + N + J + 1;       // 69 at J = 4
    var NW = (P + 14) \ 15;             // network words, 15 lanes each
    signal params[P];
    for (var j = 0; j < J; j++) {
        for (var i = 0; i < N; i++) {
            params[j * N + i] <== W[j][i];
        }
        params[J * N + j] <== c[j];
        params[J * N + J + N + j] <== v[j];
    }
    for (var i = 0; i < N; i++) {
        params[J * N + J + i] <== a[i];
    }
    params[P - 1] <== b;
    component paramRange[P];
    var words[NW];
    for (var k = 0; k < NW; k++) {
        words[k] = 0;
    }
    for (var p = 0; p < P; p++) {
        paramRange[p] = RangeCheck(16);
        paramRange[p].in <== params[p] + (1 << 15);
        words[p \ 15] += (params[p] + (1 << 15)) * (1 << (16 * (p % 15)));
    }

    // ---- 4. forecast (SPEC §4) ----------------------------------------------------------------
    component net = Network(N, J, F, S, 32);
    net.X <== X;
    net.W <== W;
    net.c <== c;
    net.a <== a;
    net.v <== v;
    net.b <== b;

    // ---- 5. policy (SPEC §5) ------------------------------------------------------------------
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
    policy.Y <== net.Y;
    policy.base <== base;
    policy.slope <== slope;
    policy.modelFeeMin <== modelFeeMin;
    policy.modelFeeMax <== modelFeeMax;
    policy.poolFeeMin <== poolFeeMin;
    policy.poolFeeMax <== poolFeeMax;
    fee === policy.fee;

    // ---- 6. commitment (SPEC §6) --------------------------------------------------------------
    var policyWord = (base + (1 << 23)) + slope * (1 << 24) + modelFeeMin * (1 << 48)
        + modelFeeMax * (1 << 72) + period * (1 << 96) + horizon * (1 << 128);
    component hash = CommitmentVariant(NW);
    for (var k = 0; k < NW; k++) {
        hash.words[k] <== words[k];
    }
    hash.policyWord <== policyWord;
    commitment === hash.out;

    // ---- 7. context: not used by the computation, so square it to put it in a constraint -----
    // (a public input in no constraint would not be bound by a Groth16 proof).
    signal contextSquared <== context * context;
}


template CommitmentVariant(NW) {
    signal input words[NW];
    signal input policyWord;
    signal output out;
    if (NW + 1 <= 16) {
        component hOne = Poseidon(NW + 1);
        for (var k = 0; k < NW; k++) {
            hOne.inputs[k] <== words[k];
        }
        hOne.inputs[NW] <== policyWord;
        out <== hOne.out;
    } else {
        // first step 16 words, then 15 words plus the previous digest each step; the policy word goes last
        var total = NW + 1;
        var steps = 1 + (total - 16 + 14) \ 15;
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
            for (var k = start; k < 16; k++) {
                if (next < NW) {
                    h[s].inputs[k] <== words[next];
                } else if (next == NW) {
                    h[s].inputs[k] <== policyWord;
                } else {
                    h[s].inputs[k] <== 0;
                }
                next++;
            }
            digest[s] <== h[s].out;
        }
        out <== digest[steps - 1];
    }
}
