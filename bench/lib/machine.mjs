/** The machine the benchmark ran on, for the results file: CPUs, memory, CPU model, versions. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

/** Reads what describes this machine; never throws (unknown fields say so). */
export function machineInfo(root = process.cwd()) {
  let cpuModel = 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line) cpuModel = line.split(':')[1].trim()
  } catch {}
  let wrangler = 'unknown'
  try {
    wrangler = execFileSync(join(root, 'node_modules', '.bin', 'wrangler'), ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: {
        ...process.env,
        PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      },
    })
      .trim()
      .split('\n')
      .pop()
  } catch {}
  return {
    nproc: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel,
    node: process.version,
    wrangler,
    date: new Date().toISOString(),
  }
}
