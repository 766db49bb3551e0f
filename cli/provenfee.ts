#!/usr/bin/env -S node --import tsx
// One CLI, a subcommand per job. Each job lives in its own stage folder; this file only dispatches.
const jobs: Record<string, { summary: string; run?: (args: string[]) => Promise<number> }> = {
  demo: { summary: "run the whole system on an embedded anvil with the shipped data (not built yet)" },
};

function usage(): string {
  const lines = Object.entries(jobs).map(([name, job]) => `  ${name.padEnd(10)} ${job.summary}`);
  return `usage: provenfee <job> [options]\n\njobs:\n${lines.join("\n")}\n\nRun 'provenfee <job> --help' for a job's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const job = jobs[name];
  if (!job) {
    console.error(`provenfee: unknown job '${name}'\n${usage()}`);
    return 2;
  }
  if (!job.run) {
    console.error(`provenfee ${name}: not built yet; see README.md for what works today`);
    return 1;
  }
  return job.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
