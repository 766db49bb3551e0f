#!/usr/bin/env node
// Writes contracts/onchain/Poseidon4.json: the creation code of circomlibjs's Poseidon contract for 4 inputs, the
// hash of the model commitment (model/SPEC.md §6, circomlib Poseidon(4)), which OnchainModels calls to check that
// published weights are the ones a commitment names. Deterministic: rerun after a circomlibjs upgrade, commit.
//   node tools/poseidon4.mjs
import { writeFileSync } from "node:fs";
import { poseidonContract } from "circomlibjs";

const out = "contracts/onchain/Poseidon4.json";
const bytecode = poseidonContract.createCode(4);
writeFileSync(out, `${JSON.stringify({ generatedBy: "node tools/poseidon4.mjs", inputs: 4, abi: "poseidon(uint256[4]) returns (uint256)", bytecode }, null, 1)}\n`);
console.log(`${out}: ${(bytecode.length - 2) / 2} bytes of creation code`);
