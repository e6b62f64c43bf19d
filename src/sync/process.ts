/**
 * Entry point of the sync engine for one queue message: builds the engine's dependencies from the
 * Worker env (tests may override clocks, sizes and pacing) and runs one bounded step, then turns
 * the engine's verdict into ack or retry-with-backoff. A run step from the dead-letter queue marks
 * its run failed, so work that exhausted its retries is visible to the user instead of lost.
 */
import { clientSettings } from '../credentials/clients'
import { CRM_INTERVAL_MS } from '../credentials/crm-pacing'
import { createDb } from '../db/client'
import { failRun } from '../db/queries/runs'
import type { Env } from '../env'
import { backoffSeconds } from '../lib/backoff'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import type { EngineDeps } from './context'
import { runStep, type StepVerdict } from './engine'
import { noteRetryAt } from './fenced-writes'
import type { RunStep } from './run-step-message'
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
  crmIntervalMs: CRM_INTERVAL_MS,
  unisenderIntervalMs: 55,
}

/** Builds the engine's dependencies from the env. */
export function engineDeps(env: Env, overrides: Partial<EngineDeps> = {}): EngineDeps {
  return {
    d1: env.DB,
    queue: env.SYNC_QUEUE,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch: (input, init) => fetch(input, init),
    ...clientSettings(env),
    ...DEFAULT_SIZES,
    ...overrides,
  }
}

/** Runs one bounded step of a run and tells the consumer whether to ack or retry the message. */
export async function processRunStep(
  env: Env,
  msg: RunStep,
  ctx: { attempts: number },
  overrides: Partial<EngineDeps> = {}
): Promise<StepVerdict> {
  return runStep(engineDeps(env, overrides), msg, ctx)
}

/** Entry from src/handlers/queue.ts for a `run-step` message; never throws. */
export async function handleRunStepMessage(
  msg: Message<unknown>,
  body: RunStep,
  env: Env,
  deadLetter: boolean
): Promise<void> {
  if (deadLetter) {
    log.warn('run_gave_up', { run: body.runId, phase: 'dead-letter', detail: msg.attempts })
    await failRun(
      createDb(env.DB),
      body.runId,
      'gave_up',
      `The run stopped after ${msg.attempts} failed attempts at one step. Nothing was removed on the basis of an incomplete read; run it again when the service is reachable.`,
      Date.now()
    )
    msg.ack()
    return
  }
  try {
    const verdict = await processRunStep(env, body, { attempts: msg.attempts })
    if (verdict.kind === 'retry')
      msg.retry({ delaySeconds: verdict.delaySeconds ?? backoffSeconds(msg.attempts) })
    else msg.ack()
  } catch (err) {
    log.error('run_step_failed', { run: body.runId, detail: body.seq, error: errorText(err) })
    const delaySeconds = backoffSeconds(msg.attempts)
    // Best effort (D1 may be what failed): lets the watchdog wait for this retry.
    await noteRetryAt(env.DB, body.runId, body.seq, Date.now() + delaySeconds * 1000)
      .run()
      .catch(() => {})
    msg.retry({ delaySeconds })
  }
}
