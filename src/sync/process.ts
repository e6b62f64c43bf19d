/**
 * Entry point of the sync engine for one queue message: builds the engine's dependencies from the
 * Worker env (tests may override clocks, sizes and pacing) and runs one bounded step.
 */
import { getConfig } from '../config'
import type { Env } from '../env'
import type { EngineDeps } from './context'
import { runStep, type StepVerdict } from './engine'
import type { SyncMessage } from './messages'
import { MAX_POLLS } from './step-export'

export type { StepVerdict }

/**
 * Defaults sized for ≤100 subrequests and about 1 s of CPU per step, and so that what a step holds
 * does not depend on N: 50 CRM pages (5,000 customers, 5 s at 10 req/s), 1 MB of export file
 * (~20,000 rows; a 50,000-member list is already more than one slice), at most 120,000 emails
 * per diff step (diff-slice.ts), 10 imports.
 */
export const DEFAULT_SIZES = {
  pagesPerStep: 50,
  sliceBytes: 1024 * 1024,
  diffEmailsPerStep: 120_000,
  importsPerStep: 10,
  exportMaxPolls: MAX_POLLS,
  // 10% under the documented limits (10 requests/s, 1,200 calls/min): pacing exactly at a limit
  // meets the service's own window edge now and then (measured: bench/README.md, rate-limit scale).
  crmIntervalMs: 110,
  unisenderIntervalMs: 55,
}

/** Builds the engine's dependencies from the env. */
export function engineDeps(env: Env, overrides: Partial<EngineDeps> = {}): EngineDeps {
  const config = getConfig(env)
  return {
    d1: env.DB,
    queue: env.SYNC_QUEUE,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch: (input, init) => fetch(input, init),
    encryptionKey: config.ENCRYPTION_KEY,
    unisenderApiUrl: config.UNISENDER_API_URL,
    ...DEFAULT_SIZES,
    ...overrides,
  }
}

/** Runs one bounded step of a run and tells the consumer whether to ack or retry the message. */
export async function processRunStep(
  env: Env,
  msg: SyncMessage,
  ctx: { attempts: number },
  overrides: Partial<EngineDeps> = {}
): Promise<StepVerdict> {
  return runStep(engineDeps(env, overrides), msg, ctx)
}
