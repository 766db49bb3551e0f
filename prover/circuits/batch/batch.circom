pragma circom 2.1.0;

// provenfee batch: the fees of N pools of one hook in one proof (model/SPEC.md §7b), each pool's
// statement exactly the single-pool one (statement.circom), with its public lanes packed tighter so
// the on-chain verifier pays for fewer public inputs (about 6,900 gas each).
//
// Public signals, in this order (snarkjs lists them in declaration order):
//   poolWord[i], i < N:   F_0 | F_1 << 38 | F_2 << 76 | F_3 << 114 | F_4 << 152 | fee << 190 | forecast << 214
//                         (the single-pool featureWord with the pool's fee and forecast on top: 252 bits)
//   commitment[i], i < N: pool i's model commitment (SPEC §6)
//   termsWord[j], j < ceil(N / 3): pools 3j, 3j+1, 3j+2, each poolFeeMin | poolFeeMax << 24 | period << 48,
//                         at bit 80 * (i % 3) (240 bits)
//   context:              keccak256(abi.encode(chainid, hook, poolIds[N], asOfPeriods[N])) >> 6, binding the
//                         chain, the hook, and which pool and as-of period each position i stands for
// With every lane range-checked in statement.circom, each packed word has exactly one decomposition,
// so pool i's public lanes are exactly the ones its statement computed on.

include "statement.circom";

template ProvenFeeBatch(N) {
    var K = 5;
    var J = 4;
    var T = (N + 2) \ 3;

    // ---- public ---------------------------------------------------------------------------------
    signal input poolWord[N];
    signal input commitment[N];
    signal input termsWord[T];
    signal input context;

    // ---- private: pool i's lanes and model ------------------------------------------------------
    signal input features[N][K];
    signal input poolFeeMin[N];
    signal input poolFeeMax[N];
    signal input period[N];
    signal input fee[N];
    signal input forecast[N];
    signal input w[N][K];
    signal input c0[N];
    signal input W[N][J][K];
    signal input c[N][J];
    signal input v[N][J];
    signal input b[N];
    signal input base[N];
    signal input slope[N];
    signal input modelFeeMin[N];
    signal input modelFeeMax[N];
    signal input horizon[N];

    component statement[N];
    var terms[T];
    for (var j = 0; j < T; j++) terms[j] = 0;
    for (var i = 0; i < N; i++) {
        statement[i] = FeeStatement();
        statement[i].commitment <== commitment[i];
        statement[i].features <== features[i];
        statement[i].poolFeeMin <== poolFeeMin[i];
        statement[i].poolFeeMax <== poolFeeMax[i];
        statement[i].period <== period[i];
        statement[i].fee <== fee[i];
        statement[i].forecast <== forecast[i];
        statement[i].w <== w[i];
        statement[i].c0 <== c0[i];
        statement[i].W <== W[i];
        statement[i].c <== c[i];
        statement[i].v <== v[i];
        statement[i].b <== b[i];
        statement[i].base <== base[i];
        statement[i].slope <== slope[i];
        statement[i].modelFeeMin <== modelFeeMin[i];
        statement[i].modelFeeMax <== modelFeeMax[i];
        statement[i].horizon <== horizon[i];

        var word = fee[i] * (1 << 190) + forecast[i] * (1 << 214);
        for (var k = 0; k < K; k++) word += features[i][k] * (1 << (38 * k));
        poolWord[i] === word;
        terms[i \ 3] += (poolFeeMin[i] + poolFeeMax[i] * (1 << 24) + period[i] * (1 << 48)) * (1 << (80 * (i % 3)));
    }
    for (var j = 0; j < T; j++) termsWord[j] === terms[j];

    // context is used by no computation: square it to put it in a constraint (a public input in no
    // constraint would not be bound by a Groth16 proof)
    signal contextSquared <== context * context;
}
