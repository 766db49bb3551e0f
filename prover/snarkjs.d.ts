// The parts of snarkjs 0.7 this project calls (it ships no TypeScript types).
declare module "snarkjs" {
  /** A file name, or an in-memory file: `{ type: "mem", data }`. */
  export type FileRef = string | { type: "mem"; data?: Uint8Array } | { type: "bigMem"; data?: unknown };
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export interface VerificationKey {
    protocol: string;
    curve: string;
    nPublic: number;
    [key: string]: unknown;
  }
  export interface Curve {
    terminate(): Promise<void>;
  }
  export const groth16: {
    prove(zkey: FileRef, witness: FileRef, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: VerificationKey, publicSignals: (string | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: FileRef, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: FileRef, newPtau: FileRef, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: FileRef, newPtau: FileRef, logger?: Logger): Promise<void>;
  };
  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: FileRef, newZkey: FileRef, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    /** The contribution hash, or false (not an exception) for a malformed beacon or iteration count. */
    beacon(oldZkey: FileRef, newZkey: FileRef, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array | false>;
    verifyFromR1cs(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: FileRef, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: FileRef, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };
  export const wtns: {
    check(r1cs: FileRef, wtns: FileRef, logger?: Logger): Promise<boolean>;
  };
  export const r1cs: {
    info(r1cs: FileRef, logger?: Logger): Promise<{ nConstraints: number; nVars: number; nOutputs: number; nPubInputs: number; nPrvInputs: number }>;
  };
  export const curves: {
    getCurveFromName(name: string): Promise<Curve>;
  };
}
