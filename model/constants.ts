// The architecture constants of SPEC.md. The circuit, the hook and every model file are built for
// exactly these values; changing one means a new circuit, a new trusted setup and a new verifier.

/** Window lengths, in periods, of the HAR-style features (SPEC §2). */
export const HORIZONS = [1, 5, 30, 240] as const;
/** Fractional bits of model inputs and of the forecast `y` (SPEC §3). */
export const FRAC_BITS_INPUT = 8;
/** Fractional bits of the network weights (SPEC §4). */
export const FRAC_BITS_WEIGHT = 12;
/** Raw features and model inputs: up, down and count for each horizon. */
export const N_FEATURES = 12;
export const N_INPUTS = 12;
/** Hidden ReLU units of the nonlinear correction. */
export const HIDDEN = 4;
/** Default seconds per observation period. */
export const DEFAULT_PERIOD = 60;
/** Default forecast horizon, in periods. */
export const DEFAULT_HORIZON = 30;

/** Features saturate here so the circuit can decompose them into 32 bits. */
export const FEATURE_MAX = (1n << 32n) - 1n;
/** Network parameters are signed 16-bit integers. */
export const PARAM_BITS = 16;
/** Policy lanes (base, slope, bounds) are 24 bits wide. */
export const POLICY_BITS = 24;
/** Largest LP fee v4 accepts, in pips (hundredths of a bip). */
export const MAX_LP_FEE = 1_000_000;
/** The forecast log2 sigma is clamped below 24 (sigma < 2^24 ticks) before the fast exp2. */
export const SIGMA_LOG2_CAP = 24;
/** The BN254 scalar field: every public signal is an element of it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
