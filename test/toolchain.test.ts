import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";

// forge trusts whatever `solc` answers, so the shim must speak like native solc.
describe("solc shim", () => {
  it("reports the version as native solc does", () => {
    const out = execFileSync("tools/solc", ["--version"], { encoding: "utf8" });
    expect(out).toMatch(/^solc, the solidity compiler commandline interface\nVersion: 0\.8\.26\+commit\.[0-9a-f]{8}\.Linux\.g\+\+\n$/);
  });

  it("compiles standard JSON from stdin and resolves imports from the include paths", () => {
    const input = JSON.stringify({
      language: "Solidity",
      sources: { "A.sol": { content: 'pragma solidity 0.8.26; import "@uniswap/v4-core/src/types/PoolId.sol"; contract A { function f(PoolId id) external pure returns (bytes32) { return PoolId.unwrap(id); } }' } },
      settings: { outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
    });
    const out = execFileSync("tools/solc", ["--standard-json", "--base-path", ".", "--include-path", "node_modules"], { input, encoding: "utf8" });
    const result = JSON.parse(out);
    expect(result.errors?.filter((e: { severity: string }) => e.severity === "error") ?? []).toEqual([]);
    expect(result.contracts["A.sol"].A.evm.bytecode.object.length).toBeGreaterThan(100);
  });

  it("reports a missing import as a compile error rather than crashing", () => {
    const input = JSON.stringify({ language: "Solidity", sources: { "B.sol": { content: 'pragma solidity 0.8.26; import "missing/Nope.sol";' } } });
    const out = execFileSync("tools/solc", ["--standard-json", "--base-path", "."], { input, encoding: "utf8" });
    const messages = JSON.parse(out).errors.map((e: { message: string }) => e.message).join("\n");
    expect(messages).toMatch(/missing\/Nope\.sol/);
  });
});
