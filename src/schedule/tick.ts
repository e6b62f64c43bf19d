/**
 * One scheduler tick (cron, every minute): poll each live tenant's history (a few pages inline,
 * longer backlogs through the queue), watch segment counts, mark due reconciles, start the due
 * runs, re-send the step of any run that stalled, and delete what is kept no longer (retention.ts).
 * The tick only decides and enqueues: runs are chains of queue steps, so a 1,000,000-customer run
 * of one shop never blocks another shop's small run, and the tick's own work stays bounded.
 */
import { ApiError } from '../clients/errors'
import type { Tenant } from '../db/schema'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { enqueuePoll, type ScheduleDeps } from './deps'
import { type DispatchResult, dispatchDue, markReconciles } from './dispatch'
import { takePollLease, takePollLeases } from './marks'
import { pollTenantHistory } from './poll'
import { forgetIdleCursors, type LiveTenant, liveTenants } from './queries'
import { type RetentionReport, runRetention } from './retention'
import { watchSegments } from './segments'
import { reviveStalledRuns } from './watchdog'

export interface TickReport {
  polled: number[]
  handedOff: number[]
  failed: number[]
  broken: number[]
  reconcilesMarked: number
  dispatch: DispatchResult
  /** Stalled runs whose current step was re-sent (watchdog.ts). */
  revived: number[]
  /** What retention deleted (retention.ts); null when it failed (logged, retried next tick). */
  retention: RetentionReport | null
}

/** Rotates the tenant list by minute, so the tenants that miss the inline budget vary. */
function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return []
  const k = by % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/**
 * Tenants with following syncs are polled every tick. The others are polled every few minutes
 * (spread by id), and at once when they have no cursor yet, so that a sync created later finds a
 * recent cursor: its first full run covers what came before, its incremental runs what follows.
 */
export function isPollDue(t: LiveTenant, minute: number, idleEvery: number): boolean {
  return t.follows || t.historySinceId === null || (minute + t.id) % Math.max(1, idleEvery) === 0
}

/** Runs one tick at deps.now(). Never throws for one tenant's failure. */
export async function runTick(deps: ScheduleDeps): Promise<TickReport> {
  const report: TickReport = {
    polled: [],
    handedOff: [],
    failed: [],
    broken: [],
    reconcilesMarked: 0,
    dispatch: { started: [], busy: [] },
    revived: [],
    retention: null,
  }
  const start = deps.now()
  await forgetIdleCursors(deps.db)
  const minute = Math.floor(start / 60_000)
  const tenants = rotate(await liveTenants(deps.db), minute)
  const inline: Tenant[] = []
  const defer: Tenant[] = []
  for (const t of tenants) {
    // A queued poll is paging this tenant's backlog: leave its cursor alone.
    if (t.historyPollUntil !== null && t.historyPollUntil > start) continue
    if (!isPollDue(t, minute, deps.limits.idlePollEveryMinutes)) continue
    ;(inline.length < deps.limits.maxInlineTenants ? inline : defer).push(t)
  }

  let next = 0
  const worker = async () => {
    while (next < inline.length) {
      const t = inline[next++]!
      if (deps.now() - start > deps.limits.inlinePollBudgetMs) {
        defer.push(t)
        continue
      }
      await pollInline(deps, t, report)
    }
  }
  await Promise.all(Array.from({ length: deps.limits.pollConcurrency }, worker))
  report.handedOff.push(
    ...(await handOffMany(
      deps,
      defer.map((t) => t.id)
    ))
  )

  report.reconcilesMarked = await markReconciles(deps)
  report.dispatch = await dispatchDue(deps)
  report.revived = await reviveStalledRuns(deps)
  report.retention = await runRetention(deps).catch((err: unknown) => {
    log.error('retention_failed', { phase: 'retention', error: errorText(err) })
    return null
  })
  return report
}

/** One tenant's inline poll: a page of history, then the segment counts. */
async function pollInline(deps: ScheduleDeps, t: Tenant, report: TickReport): Promise<void> {
  try {
    const crm = await deps.crm(t)
    const res = await pollTenantHistory(deps, t, crm, deps.limits.cronHistoryPages)
    report.polled.push(t.id)
    if (res.status === 'more' && (await handOff(deps, t.id))) report.handedOff.push(t.id)
    await watchSegments(deps, t.id, crm, res.membershipCodes)
  } catch (err) {
    if (await handleCrmAuth(deps, t.id, err)) report.broken.push(t.id)
    else {
      report.failed.push(t.id)
      log.error('poll_failed', { tenant: t.id, phase: 'poll', error: errorText(err) })
    }
  }
}

/** 401/403 from the CRM: the connection is broken; the tenant is skipped until a reconnect. */
export async function handleCrmAuth(
  deps: ScheduleDeps,
  tenantId: number,
  err: unknown
): Promise<boolean> {
  if (!(err instanceof ApiError) || err.service !== 'retailcrm' || err.kind !== 'auth') return false
  await deps.markBroken(tenantId, `RetailCRM refused the module's API key: ${err.message}`)
  return true
}

/** Takes the tenant's poll lease and enqueues a history poll; false if another poller has it. */
export async function handOff(deps: ScheduleDeps, tenantId: number): Promise<boolean> {
  if (!(await takePollLease(deps.db, tenantId, deps.now(), deps.limits.pollLeaseMs))) return false
  await enqueuePoll(deps, tenantId)
  return true
}

/**
 * The same for many tenants at once (those the tick had no time for): one conditional UPDATE and
 * one sendBatch per 90 tenants, so thousands of tenants stay within the tick's D1 query budget.
 */
export async function handOffMany(deps: ScheduleDeps, ids: readonly number[]): Promise<number[]> {
  const taken: number[] = []
  for (let i = 0; i < ids.length; i += 90) {
    const got = await takePollLeases(
      deps.db,
      ids.slice(i, i + 90),
      deps.now(),
      deps.limits.pollLeaseMs
    )
    if (got.length === 0) continue
    await deps.queue.sendBatch(
      got.map((tenantId) => ({ body: { type: 'poll-history' as const, tenantId } }))
    )
    taken.push(...got)
  }
  return taken
}
