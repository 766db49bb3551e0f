#!/usr/bin/env -S node --import tsx
// Stand-alone runner until the jobs are wired into cli/provenfee.ts:
//   npx tsx training/main.ts train [options]   |   npx tsx training/main.ts evaluate [options]
import { evaluateCommand, trainCommand } from "./cli.ts";

const [job, ...rest] = process.argv.slice(2);
const jobs: Record<string, (argv: string[]) => Promise<number>> = { train: trainCommand, evaluate: evaluateCommand };
const run = job ? jobs[job] : undefined;
if (!run) {
  console.error("usage: tsx training/main.ts train|evaluate [options]   (--help for each)");
  process.exitCode = 2;
} else process.exitCode = await run(rest);
