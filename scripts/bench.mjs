#!/usr/bin/env node
/**
 * `npm run bench`: the benchmark of the sync engine (issue 6) and the change latency (issue 7).
 * Owned by the benchmark helper (scripts/bench.mjs, bench/**, src/lib/metering.ts); others: please
 * talk to its owner before changing it.
 *
 * It runs the real pipeline in local workerd — the module Worker and the sandbox Worker under
 * `wrangler dev`, with local D1 and local queues, on their own ports and their own state directory
 * (so a running `npm start` is not disturbed) — drives it as a user and a CRM would, and prints a
 * table of wall time, CPU, memory, API calls and D1 rows for the first sync, the run(s) a 1% change
 * of the segment causes, and (by default up to 100,000) a forced full run after it. See
 * bench/README.md for the method.
 *
 * Usage: npm run bench [-- --n 1000000] [--skip-latency] [--skip-second] [--reconcile |
 * --no-reconcile] [--verbose]; `npm run bench -- --help` lists every flag.
 */
import { parseArgs } from './../bench/lib/args.mjs'

const args = parseArgs(process.argv.slice(2))
const { runBenchmark } = await import('./../bench/lib/main.mjs')
await runBenchmark(args)
