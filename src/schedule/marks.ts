/**
 * The scheduler's writes, as drizzle statements that callers put into one db.batch(): marking a
 * sync due (only ever earlier and stronger), and the conditional updates that make two concurrent
 * ticks safe (claiming a mark, advancing the history cursor). Recorded changes live in
 * change-pages.ts.
 */
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { syncs, tenants } from '../db/schema'
import type { MarkKind } from './due'

const RANK_SQL = sql`(CASE ${syncs.nextRunKind} WHEN 'reconcile' THEN 3 WHEN 'full' THEN 2 WHEN 'incremental' THEN 1 ELSE 0 END)`
const RANK: Record<MarkKind, number> = { incremental: 1, full: 2, reconcile: 3 }

/**
 * Marks a sync due at `at` with at least `kind`: an earlier due time and a stronger kind win, so
 * marks from several pages, the count watch and the reconcile combine without losing anything.
 */
export function markSync(db: Db, tenantId: number, syncId: number, kind: MarkKind, at: number) {
  return db
    .update(syncs)
    .set({
      nextRunAt: sql`min(coalesce(${syncs.nextRunAt}, ${at}), ${at})`,
      nextRunKind: sql`(CASE WHEN ${RANK_SQL} >= ${RANK[kind]} THEN ${syncs.nextRunKind} ELSE ${kind} END)`,
    })
    .where(and(eq(syncs.id, syncId), eq(syncs.tenantId, tenantId)))
}

/** markSync for every active following sync of a tenant, in one statement. */
export function markFollowers(db: Db, tenantId: number, kind: MarkKind, at: number) {
  return db
    .update(syncs)
    .set({
      nextRunAt: sql`min(coalesce(${syncs.nextRunAt}, ${at}), ${at})`,
      nextRunKind: sql`(CASE WHEN ${RANK_SQL} >= ${RANK[kind]} THEN ${syncs.nextRunKind} ELSE ${kind} END)`,
    })
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        eq(syncs.state, 'active'),
        sql`(all_customers = 1 OR segment_is_dynamic IS NULL OR segment_is_dynamic = 1)`
      )
    )
}

/** Advances the history cursor only from the value this poller read (two pollers: one wins). */
export function advanceCursor(db: Db, tenantId: number, from: number, to: number, now: number) {
  return db
    .update(tenants)
    .set({ historySinceId: to, updatedAt: now })
    .where(and(eq(tenants.id, tenantId), eq(tenants.historySinceId, from)))
    .returning({ id: tenants.id })
}

/** What a claim returns of the sync: its source, for grouping shared reads (shared-read.ts). */
export interface ClaimedSync {
  allCustomers: boolean
  segmentCode: string | null
  /** The segment's customersCount as the count watch last saw it (null: not seen). */
  lastSeenCustomersCount: number | null
}

/**
 * Takes the mark of a due sync: exactly the one that was read, so a concurrent tick that already
 * took it (or a poll that just made it stronger) leaves this caller with nothing (null). Returns
 * the sync's source in the same statement.
 */
export async function claimMark(
  db: Db,
  s: { id: number; tenantId: number; nextRunAt: number; nextRunKind: MarkKind | null }
): Promise<ClaimedSync | null> {
  const res = await db
    .update(syncs)
    .set({ nextRunAt: null, nextRunKind: null })
    .where(
      and(
        eq(syncs.id, s.id),
        eq(syncs.tenantId, s.tenantId),
        eq(syncs.nextRunAt, s.nextRunAt),
        s.nextRunKind === null ? isNull(syncs.nextRunKind) : eq(syncs.nextRunKind, s.nextRunKind)
      )
    )
    .returning({
      allCustomers: syncs.allCustomers,
      segmentCode: syncs.segmentCode,
      lastSeenCustomersCount: syncs.lastSeenCustomersCount,
    })
  return res[0] ?? null
}

/**
 * Takes the poll lease of a tenant for `ms` (null when another poller holds it): whoever holds it
 * pages the history through the queue; cron leaves that tenant's cursor alone meanwhile.
 */
export async function takePollLease(
  db: Db,
  tenantId: number,
  now: number,
  ms: number
): Promise<boolean> {
  const res = await db
    .update(tenants)
    .set({ historyPollUntil: now + ms })
    .where(
      and(
        eq(tenants.id, tenantId),
        or(isNull(tenants.historyPollUntil), lte(tenants.historyPollUntil, now))
      )
    )
    .returning({ id: tenants.id })
  return res.length > 0
}

/** Extends (holder only, by convention) or releases the poll lease. */
export async function setPollLease(db: Db, tenantId: number, until: number | null) {
  await db.update(tenants).set({ historyPollUntil: until }).where(eq(tenants.id, tenantId))
}
