// The set-up most keeper test files share: one saved stage, the real prover, and one chain and keeper per test.
import { afterAll, afterEach, beforeAll } from "vitest";
import { Prover } from "../../prover/prover.ts";
import { feeProverOf, type FeeProver } from "../../keeper/keeper.ts";
import { keeperStage, type LiveChain, type StageInfo, type StageOptions, type TestKeeper } from "./keeperStage.ts";

/**
 * The stage and the real prover for a test file whose tests each launch one chain and at most one keeper: loads them
 * before the tests, stops the keeper and the chain after each test and the prover's threads after the file.
 */
export function useStage(options: StageOptions): { info: () => StageInfo; feeProver: () => FeeProver; run: { live?: LiveChain; keeper?: TestKeeper } } {
  let info: StageInfo | undefined;
  let feeProver: FeeProver | undefined;
  const run: { live?: LiveChain; keeper?: TestKeeper } = {};
  beforeAll(async () => {
    const [stage, prover] = await Promise.all([keeperStage(options), Prover.load()]);
    info = stage;
    feeProver = feeProverOf(prover);
  });
  afterEach(async () => {
    await run.keeper?.stop();
    await run.live?.stop();
    run.keeper = run.live = undefined;
  });
  afterAll(async () => {
    await Prover.shutdown();
  });
  return { info: () => info!, feeProver: () => feeProver!, run };
}
