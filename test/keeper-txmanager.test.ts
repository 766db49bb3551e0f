import { afterEach, describe, expect, it } from "vitest";
import { toHex, type Hex } from "viem";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../chain/chain.ts";
import { rpc } from "../chain/replay.ts";
import { createLogger } from "../keeper/log.ts";
import { TxManager, DEFAULT_FEES, FeeCapError, type FeeSettings, type TxOutcome } from "../keeper/txmanager.ts";
import { KEEPER_KEYS, memoryLog } from "./e2e/keeperStage.ts";

// The keeper's transaction manager against a real anvil, manually mined so that each block is the
// test's decision: fee caps, stuck transactions under congestion, dropped ones, many sends at once.
const GWEI = 1_000_000_000n;
const SINK = "0x000000000000000000000000000000000000dEaD" as const;

describe("keeper transactions (TxManager on anvil)", () => {
  let anvil: Anvil;
  let trader: Clients;
  let keeper: Clients;

  async function chain(): Promise<void> {
    anvil = await startAnvil();
    trader = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
    keeper = await connect(anvil.rpcUrl, KEEPER_KEYS[0]!);
    await rpc(trader, "evm_setAutomine", [false]);
  }
  const mine = async () => {
    await rpc(trader, "evm_mine", []);
    return trader.public.getBlock();
  };
  const manager = (fees: Partial<FeeSettings>, log = memoryLog()) => ({ txm: new TxManager(keeper, { ...DEFAULT_FEES, ...fees }, createLogger({ format: "json", write: log.write })), log });
  const head = async () => {
    const b = await trader.public.getBlock();
    return { number: b.number!, baseFeePerGas: b.baseFeePerGas };
  };
  const settled = (outcome: Promise<TxOutcome>) => Promise.race([outcome, new Promise<"pending">((r) => setTimeout(() => r("pending"), 50))]);

  afterEach(async () => {
    await anvil?.stop();
  });

  it("prices EIP-1559 fees from the base fee under the cap, and refuses to send above the cap", async () => {
    await chain();
    await rpc(trader, "anvil_setNextBlockBaseFeePerGas", [toHex(40n * GWEI)]);
    await mine();
    const { txm } = manager({ maxFeePerGasCap: 60n * GWEI, priorityFeePerGas: 2n * GWEI });
    const sent = await txm.send("capped", { to: SINK, data: "0x", gas: 21_000n }, { head: await head() });
    const tx = await keeper.public.getTransaction({ hash: sent.hash });
    // 2 x 35 gwei (the base fee after an empty block) + 2 would be 72: the cap wins.
    expect(tx.maxFeePerGas).toBe(60n * GWEI);
    expect(tx.maxPriorityFeePerGas).toBe(2n * GWEI);
    await mine();
    const b = await head();
    await txm.onBlock(b);
    expect((await settled(sent.outcome) as TxOutcome).status).toBe("mined");

    // A base fee above the cap: nothing is signed or sent, the nonce is not used.
    await rpc(trader, "anvil_setNextBlockBaseFeePerGas", [toHex(100n * GWEI)]);
    await mine();
    const nonce = await keeper.public.getTransactionCount({ address: keeper.account.address, blockTag: "pending" });
    await expect(txm.send("over-cap", { to: SINK, data: "0x", gas: 21_000n }, { head: await head() })).rejects.toBeInstanceOf(FeeCapError);
    expect(await keeper.public.getTransactionCount({ address: keeper.account.address, blockTag: "pending" })).toBe(nonce);
    expect(txm.inFlight).toBe(0);
  });

  it("replaces a transaction stuck behind higher-bidding traffic with bumped fees until it lands, and waits at the cap", async () => {
    await chain();
    // Congestion: blocks of 100k gas, each filled first by an 85k-gas transaction that outbids ours
    // (anvil orders its mempool by maxFeePerGas: 4 gwei against our 2 x ~1 gwei base fee + 1 gwei tip).
    await rpc(trader, "anvil_setBlockGasLimit", [toHex(100_000)]);
    await rpc(trader, "anvil_setNextBlockBaseFeePerGas", [toHex(GWEI)]);
    await mine();
    const filler = async () => {
      const data = `0x${"ff".repeat(4000)}` as Hex;
      await trader.wallet.sendTransaction({ to: SINK, data, gas: 90_000n, maxPriorityFeePerGas: 2n * GWEI, maxFeePerGas: 4n * GWEI });
    };
    const { txm, log } = manager({ priorityFeePerGas: 1n * GWEI, replaceAfterBlocks: 1, bumpPercent: 15 });
    const replaced: { hash: Hex; maxFeePerGas: bigint }[] = [];
    txm.on("replaced", (e) => replaced.push(e));
    await filler();
    const sent = await txm.send("stuck", { to: SINK, data: "0x", gas: 30_000n }, { head: await head() });
    let receiptHash: Hex | undefined;
    for (let i = 0; i < 8 && !receiptHash; i++) {
      const block = await mine();
      await filler();
      await txm.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
      const s = await settled(sent.outcome);
      if (s !== "pending" && s.status === "mined") receiptHash = s.receipt.transactionHash;
    }
    // ~3.1 -> 3.6 -> 4.1 gwei: a replacement or two outbids the traffic.
    expect(receiptHash).toBeDefined();
    expect(receiptHash).not.toBe(sent.hash);
    expect(replaced.length).toBeGreaterThanOrEqual(1);
    const mined = await keeper.public.getTransaction({ hash: receiptHash! });
    expect(mined.nonce).toBe(sent.nonce);
    expect(mined.maxFeePerGas!).toBeGreaterThan(4n * GWEI);
    expect(mined.maxPriorityFeePerGas!).toBeGreaterThan(GWEI);
    expect(log.find("replaced stuck transaction with higher fees").length).toBe(replaced.length);

    // Under a cap that allows no bump, the transaction waits (logged once) and lands when traffic stops.
    const cap = (await trader.public.getBlock()).baseFeePerGas! * 2n + GWEI;
    const { txm: txm2, log: log2 } = manager({ priorityFeePerGas: 1n * GWEI, replaceAfterBlocks: 1, maxFeePerGasCap: cap });
    await filler();
    const second = await txm2.send("capped", { to: SINK, data: "0x", gas: 30_000n }, { head: await head() });
    for (let i = 0; i < 3; i++) {
      const block = await mine();
      await filler();
      await txm2.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
    }
    expect(await settled(second.outcome)).toBe("pending");
    expect(log2.find(/at the fee cap/).length).toBe(1);
    await rpc(trader, "anvil_setBlockGasLimit", [toHex(30_000_000)]);
    const block = await mine();
    await txm2.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
    const outcome = (await second.outcome) as TxOutcome & { status: "mined" };
    expect(outcome.status).toBe("mined");
    expect(outcome.receipt.transactionHash).toBe(second.hash);
  });

  it("re-sends a transaction the mempool dropped, with its nonce, and it lands", async () => {
    await chain();
    const { txm, log } = manager({});
    const resent: Hex[] = [];
    txm.on("resent", (e) => resent.push(e.hash));
    const sent = await txm.send("dropped", { to: SINK, data: "0x", gas: 21_000n }, { head: await head() });
    expect(await rpc(trader, "anvil_dropTransaction", [sent.hash])).toBe(sent.hash);
    await expect(keeper.public.getTransaction({ hash: sent.hash })).rejects.toThrow();
    let block = await mine();
    await txm.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
    expect(resent).toEqual([sent.hash]);
    expect(log.find("transaction dropped from the mempool; re-sent")).toHaveLength(1);
    block = await mine();
    await txm.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
    const outcome = await sent.outcome;
    expect(outcome.status).toBe("mined");
    expect(outcome.status === "mined" && outcome.receipt.blockNumber).toBe(block.number);
  });

  it("hands out consecutive nonces to concurrent sends, and recovers when another process used the nonce", async () => {
    await chain();
    const { txm, log } = manager({});
    const h = await head();
    const sends = await Promise.all(Array.from({ length: 12 }, (_, i) => txm.send(`pool${i}`, { to: SINK, data: toHex(i, { size: 1 }), gas: 30_000n }, { head: h })));
    expect(sends.map((s) => s.nonce)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const block = await mine();
    await txm.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
    const outcomes = await Promise.all(sends.map((s) => s.outcome));
    expect(outcomes.every((o) => o.status === "mined" && o.receipt.status === "success")).toBe(true);

    // The same key used elsewhere takes nonce 12: the next send notices and takes 13.
    await keeper.wallet.sendTransaction({ to: SINK, value: 1n, nonce: 12, gas: 21_000n });
    await mine();
    const next = await txm.send("after", { to: SINK, data: "0x", gas: 21_000n }, { head: await head() });
    expect(next.nonce).toBe(13);
    expect(log.find(/nonce taken/).length).toBe(1);
    const b2 = await mine();
    await txm.onBlock({ number: b2.number!, baseFeePerGas: b2.baseFeePerGas });
    expect((await next.outcome).status).toBe("mined");
  });
  it("adopts a transaction an earlier run left pending, and lets it go when it lands on its own", async () => {
    await chain();
    const leftover = await keeper.wallet.sendTransaction({ to: SINK, data: "0x01", gas: 30_000n, nonce: 0 });
    const { txm, log } = manager({});
    const adopted: number[] = [];
    txm.on("adopted", (e) => adopted.push(e.nonce));
    await txm.onBlock(await head());
    expect(adopted).toEqual([0]);
    expect(txm.pending().map((p) => [p.nonce, p.kind])).toEqual([[0, "cancel"]]);
    const b = await mine();
    await txm.onBlock({ number: b.number!, baseFeePerGas: b.baseFeePerGas });
    expect((await keeper.public.getTransactionReceipt({ hash: leftover })).status).toBe("success");
    expect(log.find("a transaction left pending by an earlier run was mined")).toHaveLength(1);
    expect(txm.inFlight).toBe(0);
  });

  it("takes over a stuck leftover with a self-transfer, bidding up past the node's underpriced refusals, so new updates are not queued behind it for ever", async () => {
    await chain();
    // Congestion as above: each block fits one 90k-gas filler at 4 gwei and nothing else.
    await rpc(trader, "anvil_setBlockGasLimit", [toHex(100_000)]);
    await rpc(trader, "anvil_setNextBlockBaseFeePerGas", [toHex(GWEI)]);
    await mine();
    const filler = async () => {
      const data = `0x${"ff".repeat(4000)}` as Hex;
      await trader.wallet.sendTransaction({ to: SINK, data, gas: 90_000n, maxPriorityFeePerGas: 2n * GWEI, maxFeePerGas: 4n * GWEI });
    };
    // The crashed run's transaction: priced above a fresh bid (2 x 1 gwei + 1), under the fillers.
    const leftover = await keeper.wallet.sendTransaction({ to: SINK, data: "0x01", gas: 30_000n, nonce: 0, maxFeePerGas: 3_200_000_000n, maxPriorityFeePerGas: GWEI });
    const { txm, log } = manager({ priorityFeePerGas: GWEI, replaceAfterBlocks: 1, bumpPercent: 15 });
    await txm.onBlock(await head());
    const update = await txm.send("update", { to: SINK, data: "0x02", gas: 30_000n }, { head: await head() });
    expect(update.nonce).toBe(1);
    for (let i = 0; i < 20 && (await settled(update.outcome)) === "pending"; i++) {
      await filler();
      const b = await mine();
      await txm.onBlock({ number: b.number!, baseFeePerGas: b.baseFeePerGas });
    }
    expect(log.find("replacement failed").length).toBeGreaterThan(0);
    expect(log.find("cancellation mined")).toHaveLength(1);
    await expect(keeper.public.getTransactionReceipt({ hash: leftover })).rejects.toThrow();
    const outcome = await update.outcome;
    expect(outcome.status).toBe("mined");
    expect(await keeper.public.getTransactionCount({ address: keeper.account.address })).toBe(2);
    expect(txm.inFlight).toBe(0);
  });
});
