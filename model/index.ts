// The one definition of features, architecture, quantization and commitment (see SPEC.md).
export * from "./constants.ts";
export * from "./oracle.ts";
export * from "./observations.ts";
export * from "./fixedpoint.ts";
export * from "./float.ts";
export * from "./quantize.ts";
export * from "./commitment.ts";
export * from "./signals.ts";
export * from "./modelFile.ts";
