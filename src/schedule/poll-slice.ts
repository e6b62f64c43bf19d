/**
 * Queue consumer of `poll-tenants` messages: the cron tick sends every due tenant's id in slices of
 * a few (tick.ts), and each slice is checked here, so the tick does not grow with the number of
 * shops and consumers scale out. A check is one CRM request: the history after the tenant's cursor,
 * or on its watch minute its segments' counts. Nothing newer (an idle shop) costs that request and
 * no D1 write; news hands the tenant to a queued `poll-history` (its lease + one message), which
 * records the pages and starts the runs. Each tenant is checked in its own try/catch and under its
 * own timeout, so one slow or broken shop delays only itself. Subrequests per message: 1 (the
 * slice) + at most 4 per tenant, 5 on a watch minute whose counts moved while the history has news
 * (config.ts pollSliceSize).
 */
import { z } from 'zod'
import { ApiError } from '../clients/errors'
import type { Tenant } from '../db/schema'
import type { Env } from '../env'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { HISTORY_PAGE_LIMIT } from './config'
import { enqueuePoll, type ScheduleDeps, scheduleDepsFromEnv } from './deps'
import { takePollLease } from './marks'
import { pollTenantHistory } from './poll'
import { liveTenantsByIds } from './queries'
import { applyCounts, compareCounts, isQuiet, readWatchedSegments } from './segments'

/** A slice of tenants whose history the tick asks to check (ids of one shard's database). */
export const PollTenantsSchema = z.object({
  type: z.literal('poll-tenants'),
  /** At most 100: the slice is loaded with one statement (D1 binds ≤ 100 parameters). */
  tenantIds: z.array(z.number().int().positive()).min(1).max(100),
  /** The tick's time (epoch ms): its minute spreads the segment watch; old slices are dropped. */
  at: z.number().int().nonnegative(),
  /** The shard database of these tenants (src/db/tenant-db.ts); 0 = DB, the only one today. */
  shard: z.number().int().nonnegative().default(0),
})
export type PollTenants = z.input<typeof PollTenantsSchema>

/** What one slice did, per tenant id. */
export interface SliceReport {
  /** Nothing newer than the cursor (and, on its watch minute, the segment counts read). */
  idle: number[]
  /** First poll of a tenant: its cursor was started at the newest history id. */
  started: number[]
  /** History newer than the cursor: handed to a queued poll-history. */
  handedOff: number[]
  /** News, but another poller holds the lease (it will read them). */
  busy: number[]
  failed: number[]
  /** The CRM refused the key (401/403): the tenant was marked broken. */
  broken: number[]
  /** The slice arrived after pollSliceMaxAgeMs: dropped, a newer tick covers its tenants. */
  stale: boolean
}

type Outcome = 'idle' | 'started' | 'handedOff' | 'busy'

/** Whether a tenant's segment counts are read in this minute (spread by id, see config.ts). */
export function isWatchMinute(tenantId: number, minute: number, every: number): boolean {
  return (minute + tenantId) % Math.max(1, Math.floor(every)) === 0
}

/** Checks one slice with injected dependencies (tests call this directly). Never throws per tenant. */
export async function pollSliceStep(
  deps: ScheduleDeps,
  body: Pick<PollTenants, 'tenantIds' | 'at'>
): Promise<SliceReport> {
  const report: SliceReport = {
    idle: [],
    started: [],
    handedOff: [],
    busy: [],
    failed: [],
    broken: [],
    stale: false,
  }
  const now = deps.now()
  if (now - body.at > deps.limits.pollSliceMaxAgeMs) {
    report.stale = true
    return report
  }
  const minute = Math.floor(body.at / 60_000)
  // A tenant that stopped being live, or whose backlog a queued poll is paging, is left alone.
  const list = (await liveTenantsByIds(deps.db, body.tenantIds)).filter(
    (t) => t.historyPollUntil === null || t.historyPollUntil <= now
  )
  let next = 0
  const worker = async () => {
    while (next < list.length) {
      const t = list[next++]!
      try {
        const outcome = await withTimeout(
          checkTenant(deps, t, minute),
          deps.limits.pollTenantTimeoutMs
        )
        report[outcome].push(t.id)
      } catch (err) {
        if (await handleCrmAuth(deps, t.id, err).catch(() => false)) report.broken.push(t.id)
        else {
          report.failed.push(t.id)
          log.error('poll_failed', { tenant: t.id, phase: 'poll-slice', error: errorText(err) })
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, deps.limits.pollConcurrency) }, worker))
  for (const k of ['idle', 'started', 'handedOff', 'busy', 'failed', 'broken'] as const)
    report[k].sort((a, b) => a - b)
  return report
}

/**
 * One tenant: start its cursor, or see whether its history has anything after the cursor. On the
 * tenant's watch minute the one request is the segments read instead (an idle shop then costs
 * exactly one CRM request a minute): unmoved counts leave the history to the next minute, which
 * still finds every entry after the cursor; a move that would take a full run is judged only after
 * the history was read too, so a move the history explains never becomes a needless full run.
 */
async function checkTenant(deps: ScheduleDeps, t: Tenant, minute: number): Promise<Outcome> {
  const crm = await deps.crm(t)
  if (t.historySinceId === null) {
    await pollTenantHistory(deps, t, crm, 1)
    return 'started'
  }
  const seen = isWatchMinute(t.id, minute, deps.limits.segmentWatchEveryMinutes)
    ? await readWatchedSegments(deps, t.id, crm)
    : null
  const verdict = seen && compareCounts(seen.watched, seen.segments, new Set())
  // Nothing that the history could explain away: record it (usually nothing) and stop here.
  if (verdict && verdict.full.length === 0) {
    if (!isQuiet(verdict)) await applyCounts(deps, t.id, verdict)
    return 'idle'
  }
  const cursor = t.historySinceId
  const page = await crm.customersHistory({ sinceId: cursor, limit: HISTORY_PAGE_LIMIT })
  // News: the queued poll reads it and watches the counts with its membership changes as evidence.
  if (page.history.some((e) => e.id > cursor))
    return (await handOff(deps, t.id)) ? 'handedOff' : 'busy'
  // No history after the cursor: the move stands unexplained (a full run is marked).
  if (verdict) await applyCounts(deps, t.id, verdict)
  return 'idle'
}

/** Rejects after `ms` (the check itself is abandoned: its writes are conditional, so harmless). */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`tenant check timed out after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
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
 * Entry from src/handlers/queue.ts. Always acks: a tenant that failed is checked again by the next
 * tick a minute later, and retrying the slice would re-check the healthy ones too. A dead-lettered
 * slice is dropped for the same reason.
 */
export async function handlePollSliceMessage(
  msg: Message<unknown>,
  body: z.output<typeof PollTenantsSchema>,
  env: Env,
  deadLetter: boolean
): Promise<void> {
  if (!deadLetter) {
    const deps = scheduleDepsFromEnv(env, {}, body.shard)
    const r = await pollSliceStep(deps, body).catch((err: unknown) => {
      log.error('poll_failed', { phase: 'poll-slice', error: errorText(err) })
      return null
    })
    if (r && (r.handedOff.length > 0 || r.failed.length > 0 || r.broken.length > 0))
      log.info('poll_slice', {
        phase: 'poll-slice',
        detail: `idle ${r.idle.length}, handed off ${r.handedOff.length}, busy ${r.busy.length}, failed ${r.failed.length}, broken ${r.broken.length}`,
      })
  }
  msg.ack()
}
