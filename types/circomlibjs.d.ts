declare module "circomlibjs" {
  interface PoseidonField {
    toObject(element: Uint8Array): bigint;
  }
  interface Poseidon {
    (inputs: bigint[]): Uint8Array;
    F: PoseidonField;
  }
  export function buildPoseidon(): Promise<Poseidon>;
}
