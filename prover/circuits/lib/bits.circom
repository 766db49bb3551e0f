pragma circom 2.1.0;

// Range checks and bit decompositions: one constraint per bit, plus the recomposition (linear,
// folded away by --O2). Every witness bit is boolean-constrained, so `in` is an integer in
// [0, 2^n) (n < 253, no wrap-around).

// in in [0, 2^n); the bits stay internal.
template RangeCheck(n) {
    assert(n < 253);
    signal input in;
    signal bits[n];
    var acc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        acc += bits[i] * e;
        e = e + e;
    }
    acc === in;
}

// in in [0, 2^n), with its bits (least significant first).
template ToBits(n) {
    assert(n < 253);
    signal input in;
    signal output out[n];
    var acc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
        acc += out[i] * e;
        e = e + e;
    }
    acc === in;
}

// out = 1 if in == 0 else 0 (2 constraints; circomlib's IsZero).
template IsZeroFlag() {
    signal input in;
    signal output out;
    signal inv;
    inv <-- in != 0 ? 1 / in : 0;
    out <== 1 - in * inv;
    in * out === 0;
}

// lt = [a < b] for a, b in [0, 2^n) (caller range-checks them): the top bit of a - b + 2^n.
template LessThanBits(n) {
    assert(n < 252);
    signal input a;
    signal input b;
    signal output lt;
    signal bits[n];
    signal top;
    var acc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        bits[i] <-- ((a + (1 << n) - b) >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        acc += bits[i] * e;
        e = e + e;
    }
    top <-- ((a + (1 << n) - b) >> n) & 1;
    top * (top - 1) === 0;
    acc + top * (1 << n) === a + (1 << n) - b;
    lt <== 1 - top;
}

// max(a, b) for a, b in [0, 2^n): n + 2 constraints.
template MaxN(n) {
    signal input a;
    signal input b;
    signal output out;
    component c = LessThanBits(n);
    c.a <== a;
    c.b <== b;
    out <== a + c.lt * (b - a);
}

// min(a, b) for a, b in [0, 2^n): n + 2 constraints.
template MinN(n) {
    signal input a;
    signal input b;
    signal output out;
    component c = LessThanBits(n);
    c.a <== a;
    c.b <== b;
    out <== b + c.lt * (a - b);
}

// out = [in >= 0] for an integer in in [-2^n, 2^n) (caller's bound): the top bit of in + 2^n,
// the n bits below it range-checked internally. n + 1 constraints.
template NonNegBit(n) {
    assert(n < 252);
    signal input in;
    signal output out;
    signal low;
    low <-- (in + (1 << n)) & ((1 << n) - 1);
    component lowRange = RangeCheck(n);
    lowRange.in <== low;
    out <-- ((in + (1 << n)) >> n) & 1;
    out * (out - 1) === 0;
    low + out * (1 << n) === in + (1 << n);
}
