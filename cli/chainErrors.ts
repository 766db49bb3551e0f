// One line for an error from a chain: which endpoint failed, or which contract function reverted
// with which custom error (decoded with the hook's and the PoolManager's ABIs, including a hook
// error the PoolManager wrapped), instead of viem's "The contract function "x" reverted.".
import {
  BaseError, ContractFunctionExecutionError, ContractFunctionRevertedError, HttpRequestError, TimeoutError, WebSocketRequestError,
  decodeErrorResult, type Abi, type Hex,
} from "viem";
import { v4Artifact } from "../chain/artifacts.ts";
import { hookArtifact } from "../chain/deploy.ts";

/**
 * Every error a call to the hook can end in: the hook's own (its forge artifact's ABI) and v4's,
 * whose libraries (Pool, Hooks, TickMath, ...) declare errors the PoolManager's ABI does not list.
 */
export function hookAndV4ErrorAbis(): Abi[] {
  const v4 = ["PoolManager", "Pool", "Hooks", "LPFeeLibrary", "TickMath", "SqrtPriceMath", "SafeCast", "CustomRevert"];
  return [hookArtifact().abi, ...v4.map((name) => v4Artifact(name).abi)];
}

/** What each of the hook's own errors means for the one who sent the call. */
const HOOK_ERROR_HINTS: Record<string, string> = {
  InvalidFeeBounds: "the hook needs poolFeeMin <= fallbackFee <= poolFeeMax <= 1000000 pips",
  InvalidMaxStaleness: "maxStalenessPeriods must be 1..15",
  InvalidLiveness: "livenessPeriods must be at least 1",
  ModelNotRegistered: "register the model for this period first",
  ModelPeriodZero: "the model's period is 0",
  CommitmentNotInField: "the model commitment is not below the BN254 field",
  HookMismatch: "the pool key's hooks field is not this hook",
  NotDynamicFee: "the pool key's fee must be the dynamic-fee flag 0x800000",
  PoolAlreadyInitialized: "a pool with this key already exists",
  NotAdmin: "the sending account is not the pool's admin",
  TickSpacingTooLarge: "tick spacing must be at most 32767",
  TickSpacingTooSmall: "tick spacing must be at least 1",
  CurrenciesOutOfOrderOrEqual: "currency0 must sort below currency1",
};

interface Decoded {
  name: string;
  args: readonly unknown[];
}

function decode(data: Hex | undefined, abis: Abi[]): Decoded | undefined {
  if (!data || data.length < 10) return undefined;
  for (const abi of abis) {
    try {
      const r = decodeErrorResult({ abi, data });
      return { name: r.errorName, args: (r.args ?? []) as readonly unknown[] };
    } catch {
      // not this ABI's
    }
  }
  return undefined;
}

const show = (v: unknown) => (typeof v === "bigint" ? v.toString() : typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)));

/** A revert as `Name(args)`, unwrapping v4's WrappedError(target, selector, reason, details) to the hook's own error. */
function describeRevert(d: Decoded, abis: Abi[]): string {
  if (d.name === "WrappedError") {
    const [target, , reason] = d.args as [string, Hex, Hex, Hex];
    const inner = decode(reason, abis);
    if (inner) return `${describeRevert(inner, abis)} (raised by ${target})`;
    return `WrappedError from ${target} (reason ${reason})`;
  }
  if (d.name === "Error") return `Error("${show(d.args[0])}")`;
  const text = `${d.name}(${d.args.map(show).join(", ")})`;
  const hint = HOOK_ERROR_HINTS[d.name];
  return hint ? `${text}: ${hint}` : text;
}

/**
 * The one-line reason of an error from viem: `RPC_URL: RPC request failed (...)` for a transport
 * failure, `FUNCTION reverted with ERROR(args): hint` for a decodable revert, else viem's short message.
 */
export function explainChainError(error: unknown, rpcUrl: string, abis: Abi[]): string {
  if (!(error instanceof BaseError)) return String((error as Error)?.message ?? error).split("\n")[0]!;
  const transport = error.walk((e) => e instanceof HttpRequestError || e instanceof WebSocketRequestError || e instanceof TimeoutError);
  if (transport) {
    const status = (transport as HttpRequestError).status;
    // The root cause (connect ECONNREFUSED, getaddrinfo ENOTFOUND, ...) is what an operator acts on.
    let root: unknown = transport;
    while ((root as Error).cause) root = (root as Error).cause;
    const detail = [status ? `HTTP ${status}` : "", (transport as BaseError).details, root !== transport ? (root as Error).message : ""].filter(Boolean);
    return `${rpcUrl}: RPC request failed (${[...new Set(detail)].join(": ") || (transport as BaseError).shortMessage})`;
  }
  const call = error.walk((e) => e instanceof ContractFunctionExecutionError) as ContractFunctionExecutionError | null;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted) {
    const where = call ? `${call.functionName} on ${call.contractAddress ?? "?"}` : "the call";
    const decoded = reverted.data ? { name: reverted.data.errorName, args: (reverted.data.args ?? []) as readonly unknown[] } : decode(reverted.raw, abis);
    if (decoded) return `${where} reverted with ${describeRevert(decoded, abis)}`;
    return `${where} reverted${reverted.raw ? ` with undecoded data ${reverted.raw}` : " without a reason"}`;
  }
  return error.shortMessage.split("\n")[0]!;
}
