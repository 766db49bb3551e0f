// One CLI, a subcommand per job. Each job lives in its own stage folder; this file only dispatches,
// loading a job's code only when it runs so `--help` stays fast.
import { closest, failure } from "./options.ts";
import { packageVersion } from "./shipped.ts";

type Job = { summary: string; load: () => Promise<(argv: string[]) => Promise<number>> };

const jobs: Record<string, Job> = {
  demo: { summary: "the whole system on an embedded anvil with the shipped real data", load: async () => (await import("./demo.ts")).demoCommand },
  train: { summary: "fit the volatility model on historical swaps or minute bars", load: async () => (await import("../training/cli.ts")).trainCommand },
  evaluate: { summary: "compare a model with EWMA, GARCH and HAR-RV baselines", load: async () => (await import("../training/cli.ts")).evaluateCommand },
  backtest: { summary: "replay fee policies on history or in simulation", load: async () => (await import("../backtest/cli.ts")).backtestCommand },
  setup: { summary: "dev trusted setup: compile the circuit, ceremony, zkey, Solidity verifier", load: async () => (await import("./setup.ts")).setupCommand },
  ceremony: { summary: "multi-party trusted setup: init, contribute, verify, finalize", load: async () => (await import("./ceremony.ts")).ceremonyCommand },
  prove: { summary: "prove a model's fee for given features, pool terms and context", load: async () => (await import("./prove.ts")).proveCommand },
  deploy: { summary: "deploy verifier and hook (and a pool) to any RPC; writes a deployment file", load: async () => (await import("./deploy.ts")).deployCommand },
  keeper: { summary: "the per-block daemon that proves and submits fee updates", load: async () => (await import("../keeper/cli.ts")).keeperCommand },
};

function usage(): string {
  const lines = Object.entries(jobs).map(([name, job]) => `  ${name.padEnd(10)} ${job.summary}`);
  return `usage: provenfee <job> [options]

jobs:
${lines.join("\n")}

Run 'provenfee <job> --help' for a job's options; 'provenfee --version' for the version.
Files you name are relative to the current folder; the shipped model, data and artifacts are found
in the package. Exit status: 0 done, 1 failed (one line on stderr), 2 usage error.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h") {
    console.log(usage());
    return 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(packageVersion());
    return 0;
  }
  if (!name) {
    console.error(usage());
    return 2;
  }
  const job = jobs[name];
  if (!job) {
    const near = closest(name, Object.keys(jobs));
    console.error(`provenfee: ${name}: unknown job (${near ? `did you mean ${near}?` : `one of ${Object.keys(jobs).join(", ")}`})`);
    return 2;
  }
  try {
    return await (await job.load())(rest);
  } catch (e) {
    // Jobs report their own errors; this catches what escaped them, in the same one-line style.
    return failure(name, e);
  }
}

process.exitCode = await main(process.argv.slice(2));
