// One CLI, a subcommand per job. Each job lives in its own stage folder; this file only dispatches,
// loading a job's code only when it runs so `--help` stays fast.
type Job = { summary: string; load: () => Promise<(argv: string[]) => Promise<number>> };

const jobs: Record<string, Job> = {
  demo: { summary: "the whole system on an embedded anvil with the shipped real data", load: async () => (await import("./demo.ts")).demoCommand },
  train: { summary: "fit the volatility model on historical swaps or minute bars", load: async () => (await import("../training/cli.ts")).trainCommand },
  evaluate: { summary: "compare a model with EWMA, GARCH and HAR-RV baselines", load: async () => (await import("../training/cli.ts")).evaluateCommand },
  backtest: { summary: "replay fee policies on history or in simulation", load: async () => (await import("../backtest/cli.ts")).backtestCommand },
  setup: { summary: "dev trusted setup: compile the circuit, ceremony, zkey, Solidity verifier", load: async () => (await import("./setup.ts")).setupCommand },
  prove: { summary: "prove a model's fee for given features, pool terms and context", load: async () => (await import("./prove.ts")).proveCommand },
  deploy: { summary: "deploy verifier and hook (and a pool) to any RPC; writes a deployment file", load: async () => (await import("./deploy.ts")).deployCommand },
  keeper: { summary: "the per-block daemon that proves and submits fee updates", load: async () => (await import("../keeper/cli.ts")).keeperCommand },
};

function usage(): string {
  const lines = Object.entries(jobs).map(([name, job]) => `  ${name.padEnd(10)} ${job.summary}`);
  return `usage: provenfee <job> [options]\n\njobs:\n${lines.join("\n")}\n\nRun 'provenfee <job> --help' for a job's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const job = jobs[name];
  if (!job) {
    console.error(`provenfee: unknown job '${name}'\n${usage()}`);
    return 2;
  }
  let run: (argv: string[]) => Promise<number>;
  try {
    run = await job.load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && /(training|backtest)\/cli\.ts/.test((e as Error).message)) {
      console.error(`provenfee ${name}: not built yet; see README.md for what works today`);
      return 1;
    }
    throw e;
  }
  return run(rest);
}

process.exitCode = await main(process.argv.slice(2));
