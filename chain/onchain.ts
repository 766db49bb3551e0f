// The `onchain` verification mode's deployment (issue 15): OnchainModels (with circomlibjs's Poseidon(4), whose
// creation code is committed in contracts/onchain/Poseidon4.json) and registering a public model in a hook.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Address, Hex } from "viem";
import { projectArtifact } from "./artifacts.ts";
import { deploy, send, type Clients } from "./chain.ts";
import { hookArtifact } from "./deploy.ts";
import { correctionWords, levelWord, policyWord, type Model } from "../model/index.ts";

const PACKAGE_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export const onchainModelsArtifact = () => projectArtifact("OnchainModels");

/** Deploys Poseidon(4) from its committed creation code, then OnchainModels on it. */
export async function deployOnchainModels(clients: Clients): Promise<Address> {
  const bytecode = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "contracts/onchain/Poseidon4.json"), "utf8")).bytecode as Hex;
  const hash = await clients.wallet.sendTransaction({ data: bytecode });
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`Poseidon(4) deployment reverted (tx ${hash})`);
  return deploy(clients, onchainModelsArtifact(), [receipt.contractAddress]);
}

/** SPEC §6's commitment preimage of a model: what OnchainModels.publish takes. */
export function committedWords(model: Model): [bigint, bigint, bigint, bigint] {
  const [c0, c1] = correctionWords(model.network);
  return [c0!, c1!, levelWord(model.network), policyWord(model.file.policy, model.file.period, model.file.horizon)];
}

/** Publishes the model's words in the hook's OnchainModels (once) and registers it in the hook as an `onchain` model. */
export async function registerOnchainModel(clients: Clients, hook: Address, model: Model): Promise<void> {
  const hookAbi = hookArtifact().abi;
  const models = (await clients.public.readContract({ address: hook, abi: hookAbi, functionName: "onchainModels" })) as Address;
  if (BigInt(models) === 0n) throw new Error(`hook ${hook} has no onchain mode (deployed without OnchainModels)`);
  const abi = onchainModelsArtifact().abi;
  const data = (await clients.public.readContract({ address: models, abi, functionName: "dataOf", args: [model.commitment] })) as Address;
  if (BigInt(data) === 0n) await send(clients, models, abi, "publish", [committedWords(model)]);
  const registered = (await clients.public.readContract({ address: hook, abi: hookAbi, functionName: "isOnchainModel", args: [model.commitment] })) as boolean;
  if (!registered) await send(clients, hook, hookAbi, "registerOnchainModel", [model.commitment]);
}
