import { describe, expect, it } from "vitest";
import { classifyRefusal } from "../keeper/keeper.ts";
import { hookArtifact } from "../chain/deploy.ts";

// How the keeper reads a refusal of updateFee: running out of gas and a malformed proof are never
// counted as a bad proof, and every error it names is one the hook can actually raise.
describe("keeper: refusals of updateFee", () => {
  const hookErrors = new Set(hookArtifact().abi.filter((e) => e.type === "error").map((e) => (e as { name: string }).name));

  it("retries a period whose verification ran out of gas, and does not call it a bad proof", () => {
    expect(classifyRefusal("VerifierOutOfGas")).toEqual({ kind: "out-of-gas", settlesPeriod: false, level: "warn" });
  });

  it("tells a malformed proof (points not on their curves) from one the verifier refused", () => {
    for (const name of ["ProofNotInField", "ProofNotOnCurve"]) {
      expect(classifyRefusal(name)).toEqual({ kind: "malformed-proof", settlesPeriod: true, level: "error" });
    }
    expect(classifyRefusal("InvalidProof")).toEqual({ kind: "bad-proof", settlesPeriod: true, level: "error" });
    expect(classifyRefusal("FeeOutOfBounds").kind).toBe("bad-proof");
  });

  it("stands down after a lost race, drops a period it is too late for, retries anything else", () => {
    expect(classifyRefusal("PeriodNotNewer")).toEqual({ kind: "lost", settlesPeriod: true, level: "info" });
    for (const name of ["PeriodTooOld", "PeriodNotCompleted", "UnknownPool"]) {
      expect(classifyRefusal(name)).toEqual({ kind: "too-late", settlesPeriod: true, level: "warn" });
    }
    for (const name of [undefined, "PeriodSuperseded", "SomethingNew"]) {
      expect(classifyRefusal(name)).toEqual({ kind: "other", settlesPeriod: false, level: "warn" });
    }
  });

  it("names only errors the hook's ABI has", () => {
    const named = ["VerifierOutOfGas", "ProofNotInField", "ProofNotOnCurve", "InvalidProof", "FeeOutOfBounds", "PeriodNotNewer", "PeriodTooOld", "PeriodNotCompleted", "UnknownPool", "PeriodSuperseded"];
    for (const name of named) expect(hookErrors, name).toContain(name);
  });
});
