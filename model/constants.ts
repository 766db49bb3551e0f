// The architecture constants of SPEC.md. The circuit, the hook and every model file are built for
// exactly these values; changing one means a new circuit, a new trusted setup and a new verifier.

/** Half-lives, in periods, of the oracle's five exponentially weighted variances (SPEC §1). */
export const HALF_LIVES = [4, 16, 64, 256, 1024] as const;
/** log2 of each half-life: decay by g periods is a shift by g >> this and a power of the rest. */
export const HALF_LIFE_LOG2 = [2, 4, 6, 8, 10] as const;
/** Λ_k = floor(2^64 * 2^(-1/h_k)) (SPEC §1). */
export const DECAY_Q64 = [
  0xd744fccad69d6af4n,
  0xf5257d152486cc2cn,
  0xfd3e0c0cf486c174n,
  0xff4ecb59511ec8a5n,
  0xffd3a751c0f7e10bn,
] as const;
/** 2^64: the unit of the decay factors. */
export const ONE_Q64 = 1n << 64n;
/** Fractional bits of the variances (ticks^2 per period) and features. */
export const VARIANCE_FRAC_BITS = 18;
/** Bits of each variance and feature lane; values saturate at FEATURE_MAX. */
export const FEATURE_BITS = 38;
/** Features (and the stored variances) saturate here: 2^20 ticks^2 per period. */
export const FEATURE_MAX = (1n << BigInt(FEATURE_BITS)) - 1n;
/** Raw features: one bias-corrected EWMA variance per half-life. */
export const N_FEATURES = HALF_LIVES.length;
/** Fractional bits of the log inputs x_k (SPEC §3). */
export const FRAC_BITS_INPUT = 8;
/** Fractional bits of the fast log2 of the level sum S (SPEC §4). */
export const FRAC_BITS_LEVEL_LOG = 24;
/** Fractional bits of the weights W, v and of the level weights w, c0 (SPEC §4). */
export const FRAC_BITS_WEIGHT = 12;
/** Scale of the level sum S: variance fraction bits plus weight fraction bits. */
export const LEVEL_FRAC_BITS = VARIANCE_FRAC_BITS + FRAC_BITS_WEIGHT;
/** Hidden ReLU units of the multiplicative correction. */
export const HIDDEN = 4;
/** Default seconds per observation period. */
export const DEFAULT_PERIOD = 60;
/** Default forecast horizon, in periods. */
export const DEFAULT_HORIZON = 30;

/** Correction parameters (W, c, v, b) are signed 16-bit integers. */
export const PARAM_BITS = 16;
/** Level weights w_k are unsigned 24-bit integers; the level constant c0 is unsigned 32-bit. */
export const LEVEL_WEIGHT_BITS = 24;
export const LEVEL_CONSTANT_BITS = 32;
/** Policy lanes (base, slope, bounds) are 24 bits wide. */
export const POLICY_BITS = 24;
/** Largest LP fee v4 accepts, in pips (hundredths of a bip). */
export const MAX_LP_FEE = 1_000_000;
/** The forecast log2 sigma is clamped below 24 (sigma < 2^24 ticks) before the fast exp2. */
export const SIGMA_LOG2_CAP = 24;
/** Bits of the published forecast lane s (log2 variance at scale 2^32, below 48). */
export const FORECAST_BITS = 38;
/** The BN254 scalar field: every public signal is an element of it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
