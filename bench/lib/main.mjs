/** Orchestrates one benchmark invocation. Work in progress: see bench/results.md for the status. */
import { machineInfo } from './machine.mjs'

export async function runBenchmark(args) {
  const m = machineInfo()
  console.log('bench: machine', JSON.stringify(m))
  console.log('bench: args', JSON.stringify(args))
  console.log('bench: the harness is under construction (see bench/results.md)')
}
