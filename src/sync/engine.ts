/**
 * The step dispatcher: loads the run, ignores stale or duplicate deliveries, runs the step of the
 * current phase, turns its result (or its error) into one fenced commit, and enqueues the next
 * step. Errors are classified: retryable ones commit progress and retry the message with backoff;
 * auth and fatal ones fail the run with a clear reason (a CRM auth error also marks the tenant's
 * connection broken).
 */
import { ApiError } from '../clients/errors'
import { createDb } from '../db/client'
import { markTenantBroken } from '../db/queries/tenants'
import { backoffSeconds, MAX_BACKOFF_SECONDS } from '../lib/backoff'
import { log } from '../lib/log'
import { memoryPeak } from '../lib/metering'
import { type EngineDeps, StepContext } from './context'
import { closeRun } from './finish'
import { stepIncremental } from './incremental-step'
import type { StepResult } from './result'
import type { RunStep } from './run-step-message'
import { type Phase, TEST_MODE_NOTE } from './state'
import { stepCheck } from './step-check'
import { stepDiff } from './step-diff'
import { stepExportWait, stepReadList } from './step-export'
import { stepReadCrm } from './step-read-crm'
import { stepSharedWait } from './step-shared-wait'
import { stepStart } from './step-start'
import { stepWrite } from './step-write'
import { loadRun, type RunRow } from './store'

export type StepVerdict = { kind: 'ack' } | { kind: 'retry'; delaySeconds?: number }

const STEPS: Record<Exclude<Phase, 'done'>, (ctx: StepContext) => Promise<StepResult>> = {
  planned: stepStart,
  incremental: stepIncremental,
  read_crm: stepReadCrm,
  shared_wait: stepSharedWait,
  export_wait: stepExportWait,
  read_list: stepReadList,
  diff: stepDiff,
  check: stepCheck,
  write: stepWrite,
}

/** Runs one step of a run. */
export async function runStep(
  deps: EngineDeps,
  msg: RunStep,
  opts: { attempts: number }
): Promise<StepVerdict> {
  const run = await loadRun(deps.d1, msg.runId)
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return { kind: 'ack' }
  if (msg.seq !== run.stepSeq) {
    // A retried message one behind: its step committed but the next message may be lost (crash
    // between commit and send). Re-send it; a duplicate is harmless (fenced).
    if (msg.seq === run.stepSeq - 1 && opts.attempts > 1) {
      await deps.queue.send({ type: 'run-step', runId: run.id, seq: run.stepSeq })
    }
    return { kind: 'ack' }
  }
  const ctx = new StepContext(deps, run, msg)
  const stepBegan = deps.now()
  const first = run.status === 'queued'
  const base = first ? { status: 'running', startedAt: deps.now() } : {}
  if (!run.tenantActive || run.tenantFrozen || run.tenantBroken) {
    // The module was switched off or frozen in the marketplace, or the CRM key stopped working.
    return finishStep(ctx, { kind: 'fail', ...tenantNotLive(run) }, base)
  }
  let result: StepResult
  try {
    const step = STEPS[run.phase as keyof typeof STEPS]
    if (!step) return { kind: 'ack' }
    result = await step(ctx)
    // `npm run bench` only (a no-op otherwise): the live heap with the step's staged output held;
    // the diff and list-reading steps mark their fuller inner points themselves.
    if (run.phase !== 'diff' && run.phase !== 'read_list') memoryPeak(run.phase, ctx)
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    if (err.kind === 'retryable') {
      const delaySeconds = backoffSeconds(opts.attempts, MAX_BACKOFF_SECONDS, err.retryAfterSeconds)
      // Recorded with the progress: the watchdog waits for the retry, the sync page shows it.
      ctx.cursor.retryAt = deps.now() + delaySeconds * 1000
      await ctx.commit({ advance: false, ...base })
      return { kind: 'retry', delaySeconds }
    }
    if (err.kind === 'auth' && err.service === 'retailcrm') {
      await markTenantBroken(
        createDb(deps.d1),
        run.tenantId,
        `RetailCRM refused the API key: ${err.message}`,
        deps.now()
      )
    }
    result = { kind: 'fail', ...describeFailure(err) }
  }
  const verdict = await finishStep(ctx, result, base)
  // One line a step: Workers Logs can follow a run (or a tenant) phase by phase.
  log.info(
    result.kind === 'fail' ? 'run_failed' : result.kind === 'done' ? 'run_done' : 'run_step',
    {
      tenant: run.tenantId,
      sync: run.syncId,
      run: run.id,
      phase: run.phase,
      duration: deps.now() - stepBegan,
      detail: result.kind === 'fail' ? result.code : result.kind,
    }
  )
  return verdict
}

/** Why a run of a tenant that is not live stops. */
function tenantNotLive(run: RunRow): { code: string; message: string } {
  if (run.tenantBroken) {
    return { code: 'crm_auth', message: `${run.tenantBroken}. Reconnect the module in RetailCRM.` }
  }
  return {
    code: 'tenant_inactive',
    message: 'The module is switched off or frozen in the RetailCRM marketplace; the run stopped.',
  }
}

/** A user-facing error code and message for an API error that retrying will not fix. */
function describeFailure(err: ApiError): { code: string; message: string } {
  if (err.service === 'retailcrm') {
    return err.kind === 'auth'
      ? { code: 'crm_auth', message: `${err.message}. Reconnect the module in RetailCRM.` }
      : { code: 'crm_error', message: err.message }
  }
  if (err.kind === 'auth') {
    return {
      code: 'unisender_auth',
      message: `${err.message}. Check the API key and that API access is enabled in Unisender.`,
    }
  }
  return { code: 'unisender_error', message: err.message }
}

/** What a successful run tells the user besides its counts (incomplete picture, test mode). */
function doneNote(ctx: StepContext): { errorMessage?: string } {
  const notes = [ctx.cursor.incomplete, ctx.cursor.note]
  if ((ctx.cursor.testMode || ctx.run.accountTestMode) && !ctx.dryRun) notes.push(TEST_MODE_NOTE)
  const text = notes.filter(Boolean).join(' ')
  return text ? { errorMessage: text } : {}
}

/** Commits the step's result and enqueues the next step when there is one. */
async function finishStep(
  ctx: StepContext,
  result: StepResult,
  base: { status?: string; startedAt?: number }
): Promise<StepVerdict> {
  const now = ctx.deps.now()
  const additionsOnly = ctx.cursor.incomplete !== null ? { additionsOnly: true } : {}
  let won: boolean
  switch (result.kind) {
    case 'next':
      won = await ctx.commit({ advance: true, ...base, ...additionsOnly, phase: result.phase })
      if (won) {
        await ctx.deps.queue.send(
          { type: 'run-step', runId: ctx.run.id, seq: ctx.fence.seq },
          result.delaySeconds ? { delaySeconds: result.delaySeconds } : undefined
        )
      }
      return { kind: 'ack' }
    case 'wait':
      await ctx.commit({ advance: true, ...base, ...additionsOnly, status: 'needs_confirmation' })
      return { kind: 'ack' }
    case 'done':
      ctx.progressDone = Math.max(ctx.progressDone, ctx.progressTotal)
      ctx.progressTotal = ctx.progressDone
      closeRun(ctx, true)
      await ctx.commit({
        advance: true,
        ...base,
        ...additionsOnly,
        status: 'done',
        phase: 'done',
        finishedAt: now,
        ...doneNote(ctx),
      })
      return { kind: 'ack' }
    case 'fail':
      closeRun(ctx, false)
      await ctx.commit({
        advance: true,
        ...base,
        ...additionsOnly,
        status: result.cancelled ? 'cancelled' : 'failed',
        finishedAt: now,
        errorCode: result.code,
        errorMessage: result.message,
      })
      return { kind: 'ack' }
  }
}
