#!/usr/bin/env node
/**
 * `npm run bench`: the benchmark of the sync engine (issue 6) and the change latency (issue 7).
 * Owned by the benchmark helper (scripts/bench.mjs, bench/**, src/lib/metering.ts); others: please
 * talk to its owner before changing it.
 *
 * It runs the real pipeline in local workerd — the module Worker and the sandbox Worker under
 * `wrangler dev`, with local D1 and local queues, on their own ports and their own state directory
 * (so a running `npm start` is not disturbed) — drives it as a user and a CRM would, and prints a
 * table of wall time, CPU, memory, API calls and D1 rows. See bench/README.md for the method.
 *
 * Usage: npm run bench [-- --n 1000000] [--skip-latency] [--skip-second] [--verbose]
 */
import { parseArgs } from './../bench/lib/args.mjs'

const args = parseArgs(process.argv.slice(2))
const { runBenchmark } = await import('./../bench/lib/main.mjs')
await runBenchmark(args)
