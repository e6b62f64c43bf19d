/**
 * Queue consumer of `dispatch-tenants` messages: the cron tick reads which live tenants have due
 * marks (one query, dueTenants) and sends them here in messages packed to ≤ 100 subrequests
 * (packDispatch), so the tick starts no run itself and its subrequests do not grow with the runs
 * due (daily reconciles, reconnects, count moves, marks put back while a sync was busy). Each tenant's
 * runs are started by dispatchDue(deps, tenantId), in its own try/catch: one broken tenant never
 * blocks the others. The message is always acked: a tenant that failed keeps its marks due, and the
 * next tick sends it again. Claims are conditional (claimMark), so a duplicate delivery or two ticks
 * at once start each run once.
 *
 * Subrequests per message (checked against dispatchDue and startRun; keep in step with them):
 * - per tenant, TENANT_COST = 4: its due-mark read, the change-page prune (a batch of 2
 *   statements, counted as 2), and when it started the largest share (RUNS_PER_TENANT_MAX: more
 *   may be due) one send of a dispatch-tenants message of its own, so the rest start now;
 * - per run, RUN_COST = 7 at most: the claim, startRun's sync read, the run insert, the watermark
 *   cover and the step send, and then either dispatchDue's watermark write (a full start: 6; an
 *   incremental one is 4) or, when the send fails, the failed-run write and the mark's put-back (7);
 *   a busy sync costs 5 (claim, read, insert refused, active-run read, put-back).
 * Each tenant carries the runs it may start (`runs`), and dispatchDue gets that as its cap, so a
 * message costs at most the sum of 4 + 7 × runs over its tenants, which packDispatch keeps ≤ 100:
 * a tenant starts at most RUNS_PER_TENANT_MAX = 13 runs per message (4 + 7 × 13 = 95).
 */
import { sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../db/client'
import type { Env } from '../env'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { type ScheduleDeps, scheduleDepsFromEnv } from './deps'
import { type DispatchResult, dispatchDue } from './dispatch'

/** The project's budget per queue message (docs/cloudflare.md §1). */
export const MESSAGE_SUBREQUESTS = 100
/**
 * Subrequests of one tenant besides its runs: dispatchDue's due-mark read and prune, and the send
 * of its follow-up message when it used its whole share.
 */
export const TENANT_COST = 4
/** Subrequests of one run start, at most (see the file comment). */
export const RUN_COST = 7
/** Runs one tenant may start in one message: 4 + 7 × 13 = 95 ≤ 100. */
export const RUNS_PER_TENANT_MAX = Math.floor((MESSAGE_SUBREQUESTS - TENANT_COST) / RUN_COST)

/** Tenants whose due marks the tick asks to start, each with the runs it may start. */
export const DispatchTenantsSchema = z.object({
  type: z.literal('dispatch-tenants'),
  /** At most 100 (one message's subrequest budget allows no more than 25 anyway). */
  tenants: z
    .array(
      z.object({
        id: z.number().int().positive(),
        /** The cap passed to dispatchDue for this tenant (≤ RUNS_PER_TENANT_MAX). */
        runs: z.number().int().positive().max(RUNS_PER_TENANT_MAX),
      })
    )
    .min(1)
    .max(100),
  /** The tick's time (epoch ms): a message older than pollSliceMaxAgeMs is dropped. */
  at: z.number().int().nonnegative(),
  /** The shard database of these tenants (src/db/tenant-db.ts); 0 = DB, the only one today. */
  shard: z.number().int().nonnegative().default(0),
})
export type DispatchTenants = z.input<typeof DispatchTenantsSchema>
export type DispatchTenant = DispatchTenants['tenants'][number]

interface DueTenantRow {
  id: number
  incremental: number
  other: number
  /** Distinct sources of the other marks (runs on one source share a read: one start). */
  sources: number
}

/**
 * The live tenants with marks due at `now` and the runs each may start (an upper bound of what
 * dispatchDue starts: every incremental mark, and the others of up to maxStartsPerTenant sources;
 * at most RUNS_PER_TENANT_MAX), oldest due first, at most `limit`. Left out, as dueMarks leaves them out: a
 * tenant without a cursor (its first poll asks for the reconcile that covers all) and one whose
 * backlog a queued history poll is paging (that poll starts its runs when the backlog is recorded,
 * poll-message.ts).
 */
export async function dueTenants(
  db: Db,
  now: number,
  limits: Pick<ScheduleDeps['limits'], 'maxStartsPerTenant'>,
  limit: number
): Promise<DispatchTenant[]> {
  const rows = await db.all<DueTenantRow>(sql`
    SELECT s.tenant_id AS id,
      SUM(CASE WHEN s.next_run_kind = 'incremental' THEN 1 ELSE 0 END) AS incremental,
      SUM(CASE WHEN s.next_run_kind = 'incremental' THEN 0 ELSE 1 END) AS other,
      COUNT(DISTINCT CASE WHEN s.next_run_kind = 'incremental' THEN NULL
        WHEN s.all_customers = 1 THEN '*' ELSE 'segment:' || coalesce(s.segment_code, s.id) END)
        AS sources
    FROM syncs s JOIN tenants t ON t.id = s.tenant_id
    WHERE t.active = 1 AND t.frozen = 0 AND t.broken_reason IS NULL
      AND t.history_since_id IS NOT NULL
      AND (t.history_poll_until IS NULL OR t.history_poll_until <= ${now})
      AND s.state = 'active' AND s.next_run_at <= ${now}
    GROUP BY s.tenant_id
    ORDER BY MIN(s.next_run_at), s.tenant_id
    LIMIT ${Math.max(1, Math.floor(limit))}`)
  const perTenant = Math.max(1, limits.maxStartsPerTenant)
  // Full runs count once per source (pickFair): the runs of at most perTenant sources start, so at
  // most perTenant plus every run that repeats a source (other − sources); all when few sources.
  return rows.map((r) => ({
    id: r.id,
    runs: Math.max(
      1,
      Math.min(
        RUNS_PER_TENANT_MAX,
        r.incremental + Math.min(r.other, perTenant + (r.other - r.sources))
      )
    ),
  }))
}

/** The cost bound of one tenant in a message. */
export function tenantCost(t: Pick<DispatchTenant, 'runs'>): number {
  return TENANT_COST + RUN_COST * t.runs
}

/**
 * Packs tenants into messages of at most MESSAGE_SUBREQUESTS (by tenantCost) and 100 tenants, in
 * order. Every tenant fits in a message of its own (runs ≤ RUNS_PER_TENANT_MAX).
 */
export function packDispatch(tenants: readonly DispatchTenant[]): DispatchTenant[][] {
  const out: DispatchTenant[][] = []
  let cur: DispatchTenant[] = []
  let cost = 0
  for (const t of tenants) {
    const c = tenantCost(t)
    if (cur.length > 0 && (cost + c > MESSAGE_SUBREQUESTS || cur.length >= 100)) {
      out.push(cur)
      cur = []
      cost = 0
    }
    cur.push(t)
    cost += c
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/** Queue sendBatch takes at most 100 messages (docs/cloudflare.md §3). */
const SEND_BATCH_MAX = 100

/** What the tick sent: the tenants, and the dispatch-tenants messages they went in. */
export interface DispatchSent {
  tenants: number[]
  messages: number
}

/**
 * The tick's part: reads the tenants with due marks (one query), takes them oldest due first while
 * their runs add up to at most maxStartsPerTick (the first always; the rest are due again next
 * tick), and sends them packed (packDispatch): at most 100 messages, so one sendBatch. The tick so
 * spends 1 subrequest when nothing is due and 2 otherwise, whatever the runs due. A failed send is
 * logged: those tenants' marks stay due and the next tick sends them again. Due at deps.now(), read
 * now (after the tick marked its reconciles), not at the tick's start.
 */
export async function sendDueTenants(deps: ScheduleDeps, shard = 0): Promise<DispatchSent> {
  const at = deps.now()
  const cap = Math.max(1, deps.limits.maxStartsPerTick)
  const due = await dueTenants(deps.db, at, deps.limits, cap)
  const picked: DispatchTenant[] = []
  let runs = 0
  for (const t of due) {
    if (picked.length > 0 && runs + t.runs > cap) break
    picked.push(t)
    runs += t.runs
  }
  const bodies: DispatchTenants[] = packDispatch(picked).map((tenants) => ({
    type: 'dispatch-tenants',
    tenants,
    at,
    shard,
  }))
  const out: DispatchSent = { tenants: [], messages: 0 }
  for (let i = 0; i < bodies.length; i += SEND_BATCH_MAX) {
    const chunk = bodies.slice(i, i + SEND_BATCH_MAX)
    try {
      await deps.queue.sendBatch(chunk.map((body) => ({ body })))
      out.messages += chunk.length
      for (const b of chunk) out.tenants.push(...b.tenants.map((t) => t.id))
    } catch (err) {
      log.error('dispatch_send_failed', { phase: 'schedule', error: errorText(err) })
    }
  }
  return out
}

/**
 * Sends a dispatch-tenants message for one tenant with the largest share (RUNS_PER_TENANT_MAX): a
 * history poll whose runs did not all start inline, and a dispatch that used its whole share, hand
 * the rest on this way. Duplicates are harmless (claims are conditional).
 */
export async function sendTenantDispatch(
  deps: ScheduleDeps,
  tenantId: number,
  shard = 0
): Promise<void> {
  const body: DispatchTenants = {
    type: 'dispatch-tenants',
    tenants: [{ id: tenantId, runs: RUNS_PER_TENANT_MAX }],
    at: deps.now(),
    shard,
  }
  await deps.queue.send(body)
}

/** What one dispatch message did. */
export interface DispatchSliceReport {
  /** Tenants whose dispatchDue ran (whether or not it started anything). */
  dispatched: number[]
  /** Tenants whose dispatchDue threw: their marks stay due, the next tick sends them again. */
  failed: number[]
  started: DispatchResult['started']
  busy: number[]
  /** The message arrived after pollSliceMaxAgeMs: dropped, a newer tick covers its tenants. */
  stale: boolean
}

/** Starts one message's tenants' due runs with injected dependencies (tests call this directly). */
export async function dispatchSliceStep(
  deps: ScheduleDeps,
  body: Pick<DispatchTenants, 'tenants' | 'at' | 'shard'>
): Promise<DispatchSliceReport> {
  const report: DispatchSliceReport = {
    dispatched: [],
    failed: [],
    started: [],
    busy: [],
    stale: false,
  }
  if (deps.now() - body.at > deps.limits.pollSliceMaxAgeMs) {
    report.stale = true
    return report
  }
  for (const t of body.tenants) {
    // dispatchDue reads and starts at most maxStartsPerTick runs: this tenant's share of the budget.
    const runs = Math.max(1, Math.min(t.runs, RUNS_PER_TENANT_MAX, deps.limits.maxStartsPerTick))
    try {
      const r = await dispatchDue(
        { ...deps, limits: { ...deps.limits, maxStartsPerTick: runs } },
        t.id
      )
      report.dispatched.push(t.id)
      report.started.push(...r.started)
      report.busy.push(...r.busy)
      // It started the largest share there is: more may be due (a shop with many syncs changed
      // at once), so they start now rather than next tick. A smaller share was all that was due.
      if (runs === RUNS_PER_TENANT_MAX && r.started.length >= runs)
        await sendTenantDispatch(deps, t.id, body.shard ?? 0)
    } catch (err) {
      report.failed.push(t.id)
      log.error('dispatch_failed', { tenant: t.id, phase: 'dispatch-slice', error: errorText(err) })
    }
  }
  return report
}

/**
 * Entry from src/handlers/queue.ts. Always acks: a failed tenant's marks stay due and the next tick
 * sends it again, and retrying the message would redo the healthy ones (harmless, but wasted). A
 * dead-lettered message is dropped for the same reason.
 */
export async function handleDispatchSliceMessage(
  msg: Message<unknown>,
  body: z.output<typeof DispatchTenantsSchema>,
  env: Env,
  deadLetter: boolean
): Promise<void> {
  if (!deadLetter) {
    const deps = scheduleDepsFromEnv(env, {}, body.shard)
    const r = await dispatchSliceStep(deps, body).catch((err: unknown) => {
      log.error('dispatch_failed', { phase: 'dispatch-slice', error: errorText(err) })
      return null
    })
    if (r && (r.started.length > 0 || r.failed.length > 0 || r.busy.length > 0))
      log.info('dispatch_slice', {
        phase: 'dispatch-slice',
        detail: `tenants ${r.dispatched.length}, started ${r.started.length}, busy ${r.busy.length}, failed ${r.failed.length}`,
      })
  }
  msg.ack()
}
