/**
 * Turns due marks into runs. Each mark is claimed with a conditional UPDATE (exactly the mark that
 * was read), so two ticks at once cannot both start it; startRun itself refuses a second active run
 * of a sync. A mark whose sync is busy is put back and tried next tick, so no change is dropped.
 * A dispatch claims all its marks before it starts any run: the claims return the syncs' sources,
 * from which a shop's full runs started together are grouped into shared CRM reads
 * (shared-read.ts, docs/shared-read.md) without another statement.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { syncs, tenants } from '../db/schema'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { prunePages } from './change-pages'
import type { ScheduleDeps } from './deps'
import { isReconcileDue, pickFair, runForMark } from './due'
import { claimMark, markFollowers, markSync } from './marks'
import { type DueMarkRow, dueMarks, reconcileCandidates } from './queries'
import { type ClaimedStart, sharedReadStarts } from './shared-read'

/** Per-sync reconcile marks one tick writes at most (the rest are due again next tick). */
const RECONCILE_MARKS_PER_TICK = 200

/**
 * Marks the syncs whose backstop reconcile is due: every following sync of a tenant whose
 * last_reconcile_at is NULL (first poll, reconnect; one set-based UPDATE per tenant), and each sync
 * a day after its last full run. Reconciles then start like any mark, at most a few per tenant
 * per tick, so a reconnect of a shop with many syncs spreads over several minutes.
 */
export async function markReconciles(deps: ScheduleDeps): Promise<number> {
  const now = deps.now()
  const { db } = deps
  const rows = await reconcileCandidates(db)
  const stmts: BatchItem<'sqlite'>[] = []
  const tenantWide = new Set<number>()
  let marked = 0
  for (const r of rows) {
    if (r.tenantLastReconcileAt === null) {
      tenantWide.add(r.tenantId)
      continue
    }
    if (r.nextRunKind === 'reconcile' || marked >= RECONCILE_MARKS_PER_TICK) continue
    if (!isReconcileDue(r, now, deps.limits)) continue
    stmts.push(markSync(db, r.tenantId, r.id, 'reconcile', now))
    marked++
  }
  for (const id of tenantWide) {
    stmts.push(markFollowers(db, id, 'reconcile', now))
    stmts.push(
      db
        .update(tenants)
        .set({ lastReconcileAt: now })
        .where(and(eq(tenants.id, id), sql`${tenants.lastReconcileAt} IS NULL`))
    )
  }
  if (stmts.length > 0) await db.batch(stmts as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
  return marked + rows.filter((r) => tenantWide.has(r.tenantId)).length
}

export interface DispatchResult {
  started: { syncId: number; runId: number; kind: 'full' | 'incremental'; trigger: string }[]
  /** Syncs whose mark was put back because a run of theirs is still active. */
  busy: number[]
}

/** Starts the runs of due marks (of one tenant, or all), fairly across tenants (see pickFair). */
export async function dispatchDue(deps: ScheduleDeps, tenantId?: number): Promise<DispatchResult> {
  const now = deps.now()
  const { db, limits } = deps
  // Incremental runs of a tenant are not capped per tenant (pickFair): every affected sync of a
  // shop starts in the tick that records its change. So the read takes up to a tick's worth of
  // marks per tenant; pickFair still caps the full ones.
  const due = await dueMarks(
    db,
    now,
    limits.maxStartsPerTick,
    limits.maxStartsPerTick * 5,
    tenantId
  )
  const rows = pickFair(
    due.map((r) => ({ ...r, plan: planOf(r, limits) })),
    limits
  )
  // Claimed first: the claims return the syncs' sources, from which each shop's full runs started
  // together are grouped into shared reads (docs/shared-read.md), at no extra statement.
  const claimed = new Map<number, (typeof rows)[number]>()
  const starts: ClaimedStart[] = []
  for (const r of rows) {
    const source = await claimMark(db, {
      id: r.syncId,
      tenantId: r.tenantId,
      nextRunAt: r.nextRunAt,
      nextRunKind: r.nextRunKind,
    })
    if (!source) continue // another tick took it
    claimed.set(r.syncId, r)
    starts.push({ syncId: r.syncId, tenantId: r.tenantId, full: r.plan.kind === 'full', ...source })
  }
  const { order, roles } = sharedReadStarts(starts)
  const leaders = new Map<number, number>()
  const out: DispatchResult = { started: [], busy: [] }
  const touchedTenants = new Set<number>()
  let next = 0
  try {
    for (; next < order.length; next++) {
      const r = claimed.get(order[next]!)!
      const plan = r.plan
      const role = roles.get(r.syncId)
      // The first run of a group to start leads it; the others wait for its read.
      const leader = role ? leaders.get(role.group) : undefined
      const cursor = role
        ? leader === undefined
          ? { lead: { base: role.base } }
          : { readId: leader }
        : undefined
      let res: Awaited<ReturnType<ScheduleDeps['startRun']>>
      try {
        res = await deps.startRun(
          { db, queue: deps.queue, now: deps.now },
          { tenantId: r.tenantId, syncId: r.syncId, ...plan, ...(cursor ? { cursor } : {}) }
        )
      } catch (err) {
        await putBack(deps, r.tenantId, r.syncId, r.nextRunKind, now)
        log.error('run_start_failed', {
          tenant: r.tenantId,
          sync: r.syncId,
          phase: 'dispatch',
          error: errorText(err),
        })
        continue
      }
      if (!res.started) {
        await putBack(deps, r.tenantId, r.syncId, r.nextRunKind, now)
        out.busy.push(r.syncId)
        continue
      }
      if (role && leader === undefined) leaders.set(role.group, res.runId)
      out.started.push({ syncId: r.syncId, runId: res.runId, ...plan })
      touchedTenants.add(r.tenantId)
      // A full run covers every change recorded up to the cursor read with the mark; an
      // incremental run advances the watermark itself, with the changes it staged.
      if (plan.kind === 'full' && r.tenantCursor !== null)
        await db
          .update(syncs)
          .set({ historyAppliedId: r.tenantCursor, holderRunId: null })
          .where(and(eq(syncs.id, r.syncId), eq(syncs.tenantId, r.tenantId)))
    }
  } catch (err) {
    // Claimed but not started yet: put back, so a failing dispatch drops no change.
    for (const syncId of order.slice(next + 1)) {
      const r = claimed.get(syncId)!
      await putBack(deps, r.tenantId, r.syncId, r.nextRunKind, now).catch(() => {})
    }
    throw err
  }
  for (const t of touchedTenants) await prunePages(db, t)
  return out
}

/** The run a due mark would start (decided again from the same row after it is claimed). */
function planOf(r: DueMarkRow, limits: ScheduleDeps['limits']) {
  return runForMark(
    { kind: r.nextRunKind, historyAppliedId: r.historyAppliedId, lastRunStatus: r.lastRunStatus },
    limits
  )
}

/** Puts a claimed mark back (due now, same or stronger kind). */
async function putBack(
  deps: ScheduleDeps,
  tenantId: number,
  syncId: number,
  kind: 'incremental' | 'full' | 'reconcile' | null,
  now: number
) {
  await markSync(deps.db, tenantId, syncId, kind ?? 'full', now)
}
