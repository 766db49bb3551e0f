pragma circom 2.1.0;

include "bits.circom";

// SPEC §5, exact integers:
//   s      = min(max(Y, 0), 24 * 2^33 - 1);  I = s >> 33;  f = s & (2^33 - 1)
//   sigmaQ = (2^33 + f) << I
//   raw    = floor((base 2^41 + slope sigmaQ) / 2^41)
//   fee    = min(max(raw, max(modelFeeMin, poolFeeMin)), min(modelFeeMax, poolFeeMax))
// and outputs s, the published forecast (SPEC §5).
// Caller guarantees: base + 2^23 in [0, 2^24); slope and the four bounds in [0, 2^24).
// Y is range-checked here: Y + 2^44 in [0, 2^45) (SPEC §4: the quantizer refuses models that could
// leave it, so an honest witness always passes; a forecast outside it has no witness at all).
template FeePolicy() {
    signal input Y;
    signal input base;
    signal input slope;
    signal input modelFeeMin;
    signal input modelFeeMax;
    signal input poolFeeMin;
    signal input poolFeeMax;
    signal output fee;
    signal output s;

    // --- clamp and fast exp2 -------------------------------------------------------------
    component yb = ToBits(45);
    yb.in <== Y + (1 << 44);
    var pos = yb.out[44];                       // Y >= 0; then Y = sum_{k<44} yb[k] 2^k
    // over = [Y >= 24 * 2^33 = 3 * 2^36] (only meaningful when pos): bit 36 and 37, or any of 38..43
    signal both3637 <== yb.out[37] * yb.out[36];
    var highCount = both3637;
    for (var k = 38; k < 44; k++) {
        highCount += yb.out[k];
    }
    component highZero = IsZeroFlag();
    highZero.in <== highCount;
    signal over <== pos * (1 - highZero.out);
    var inRange = pos - over;                   // 0 <= Y < 24 * 2^33: s = Y, I = bits 33..37 <= 23
    var yLow = 0;                               // Y itself when pos (bits 0..43)
    for (var k = 0; k < 44; k++) {
        yLow += yb.out[k] * (1 << k);
    }
    signal sInRange <== inRange * yLow;
    s <== sInRange + over * (3 * (1 << 36) - 1);

    // 2^I from bits 33..37 of Y
    signal pw[5];
    pw[0] <== 1 + yb.out[33];
    for (var k = 1; k < 5; k++) {
        pw[k] <== pw[k - 1] * (1 + ((1 << (1 << k)) - 1) * yb.out[33 + k]);
    }
    var f = 0;
    for (var k = 0; k < 33; k++) {
        f += yb.out[k] * (1 << k);
    }
    signal sigmaInRange <== ((1 << 33) + f) * pw[4];
    signal sigmaSelected <== inRange * sigmaInRange;
    // over: s = 24 * 2^33 - 1, I = 23, f = 2^33 - 1;  Y < 0: s = 0, sigmaQ = 2^33
    var sigmaQ = sigmaSelected + over * (((1 << 34) - 1) * (1 << 23)) + (1 - pos) * (1 << 33);

    // --- raw fee, saturated to [0, 2^24 - 1] (does not change the clamped fee: the bounds are
    // 24-bit) ---------------------------------------------------------------------------------
    // N = base 2^41 + slope sigmaQ in [-2^64, 2^81 + 2^64): N + 2^82 = rem + 2^41 hq with
    // rem in [0, 2^41), hq in [0, 2^42); hq bit 41 = [N >= 0], then floor(N / 2^41) = hq - 2^41.
    signal slopeSigma <== slope * sigmaQ;
    var shifted = base * (1 << 41) + slopeSigma + (1 << 82);
    signal rem;
    signal hq;
    rem <-- shifted & ((1 << 41) - 1);
    hq <-- shifted >> 41;
    component remRange = RangeCheck(41);
    remRange.in <== rem;
    component hqBits = ToBits(42);
    hqBits.in <== hq;
    shifted === rem + hq * (1 << 41);
    var posN = hqBits.out[41];
    var bigCount = 0;                           // floor(N / 2^41) >= 2^24
    for (var k = 24; k < 41; k++) {
        bigCount += hqBits.out[k];
    }
    var low24 = 0;
    for (var k = 0; k < 24; k++) {
        low24 += hqBits.out[k] * (1 << k);
    }
    component bigZero = IsZeroFlag();
    bigZero.in <== bigCount;
    signal saturated <== posN * (1 - bigZero.out);
    signal raw <== (posN - saturated) * low24 + saturated * ((1 << 24) - 1);

    // --- clamps ----------------------------------------------------------------------------
    component lo = MaxN(24);
    lo.a <== modelFeeMin;
    lo.b <== poolFeeMin;
    component hi = MinN(24);
    hi.a <== modelFeeMax;
    hi.b <== poolFeeMax;
    component atLeast = MaxN(24);
    atLeast.a <== raw;
    atLeast.b <== lo.out;
    component atMost = MinN(24);
    atMost.a <== atLeast.out;
    atMost.b <== hi.out;
    fee <== atMost.out;
}
