/**
 * The scheduler's reads: live tenants, a tenant's active syncs, due marks and reconcile candidates.
 * "Live" = marketplace active, not frozen, key not broken (src/db/queries/tenants.ts isTenantLive);
 * "following" = an active sync on a dynamic segment or on all customers (static segments sync
 * once, and again on demand).
 */
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { changePages, type RunStatus, syncs, type Tenant, tenants } from '../db/schema'
import { parseFieldMap } from '../sync'
import type { SyncTarget } from './affected'
import type { MarkKind } from './due'

const liveTenant = and(
  eq(tenants.active, true),
  eq(tenants.frozen, false),
  isNull(tenants.brokenReason)
)
const following = sql`(${syncs.allCustomers} = 1 OR ${syncs.segmentIsDynamic} IS NULL OR ${syncs.segmentIsDynamic} = 1)`

/**
 * Ids of the live tenants whose history this tick checks (see tick.ts isPollDue, written in SQL so
 * that 10,000 shops cost one small read instead of 10,000 tenant rows): those with following syncs
 * every minute, the others every `idleEvery` minutes spread by id, a tenant without a cursor at
 * once; never one whose backlog a queued poll is paging (its lease).
 */
export async function pollDueTenantIds(
  db: Db,
  now: number,
  minute: number,
  idleEvery: number
): Promise<number[]> {
  const every = Math.max(1, Math.floor(idleEvery))
  const rows = await db.all<{ id: number }>(sql`
    SELECT t.id AS id FROM tenants t
    WHERE t.active = 1 AND t.frozen = 0 AND t.broken_reason IS NULL
      AND (t.history_poll_until IS NULL OR t.history_poll_until <= ${now})
      AND (t.history_since_id IS NULL OR (${minute} + t.id) % ${every} = 0
        OR EXISTS (SELECT 1 FROM syncs s WHERE s.tenant_id = t.id AND s.state = 'active'
          AND (s.all_customers = 1 OR s.segment_is_dynamic IS NULL OR s.segment_is_dynamic = 1)))
    ORDER BY t.id`)
  return rows.map((r) => r.id)
}

/** The live tenants among `ids` (at most 100: one statement's bound parameters), by id. */
export async function liveTenantsByIds(db: Db, ids: readonly number[]): Promise<Tenant[]> {
  if (ids.length === 0) return []
  return db
    .select()
    .from(tenants)
    .where(and(inArray(tenants.id, [...ids]), liveTenant))
    .orderBy(asc(tenants.id))
}

/**
 * Forgets the history cursor of tenants that are not live: when they come back, polling restarts
 * at "now" with a full reconcile instead of replaying the whole gap. Their recorded change pages go
 * too (that reconcile covers them, and no incremental run may plan from pages older than the new
 * cursor). Writes only on the transition: a tick with nothing to forget is one UPDATE that matches
 * no row, and the pages are deleted only for the tenants it just changed.
 */
export async function forgetIdleCursors(db: Db): Promise<number[]> {
  const forgotten = await db
    .update(tenants)
    .set({ historySinceId: null, historyPollUntil: null })
    .where(and(isNotNull(tenants.historySinceId), sql`NOT (${liveTenant})`))
    .returning({ id: tenants.id })
  const ids = forgotten.map((r) => r.id)
  // D1 binds at most 100 parameters a statement.
  for (let i = 0; i < ids.length; i += 100)
    await db.delete(changePages).where(inArray(changePages.tenantId, ids.slice(i, i + 100)))
  return ids
}

/** The active syncs of a tenant, in the shape the change mapping needs. */
export async function tenantFollowers(db: Db, tenantId: number): Promise<SyncTarget[]> {
  const rows = await db
    .select({
      id: syncs.id,
      mode: syncs.mode,
      allCustomers: syncs.allCustomers,
      segmentCode: syncs.segmentCode,
      segmentIsDynamic: syncs.segmentIsDynamic,
      fieldMap: syncs.fieldMap,
    })
    .from(syncs)
    .where(and(eq(syncs.tenantId, tenantId), eq(syncs.state, 'active')))
  // The mapped sources decide which data changes the poller follows (#15); zod-parsed.
  return rows.map(({ fieldMap, ...s }) => ({
    ...s,
    fieldSources: parseFieldMap(fieldMap).map((m) => m.source),
  }))
}

export interface SegmentWatchRow {
  id: number
  segmentId: number | null
  segmentCode: string | null
  segmentIsDynamic: boolean | null
  lastSeenCustomersCount: number | null
  nextRunKind: MarkKind | null
}

/** The tenant's active dynamic-segment syncs, whose segment customersCount is watched. */
export async function watchedSegmentSyncs(db: Db, tenantId: number): Promise<SegmentWatchRow[]> {
  return db
    .select({
      id: syncs.id,
      segmentId: syncs.segmentId,
      segmentCode: syncs.segmentCode,
      segmentIsDynamic: syncs.segmentIsDynamic,
      lastSeenCustomersCount: syncs.lastSeenCustomersCount,
      nextRunKind: syncs.nextRunKind,
    })
    .from(syncs)
    .where(
      and(
        eq(syncs.tenantId, tenantId),
        eq(syncs.state, 'active'),
        eq(syncs.allCustomers, false),
        sql`${syncs.segmentIsDynamic} IS NOT 0`
      )
    )
    .orderBy(asc(syncs.id))
}

export interface ReconcileRow {
  id: number
  tenantId: number
  mode: 'exact' | 'union' | 'subtract'
  allCustomers: boolean
  segmentCode: string | null
  segmentIsDynamic: boolean | null
  createdAt: number
  nextRunKind: MarkKind | null
  tenantLastReconcileAt: number | null
  lastFullRunCreatedAt: number | null
  lastFullRunStatus: RunStatus | null
}

const lastFull = (col: string) =>
  sql.raw(`(SELECT r.${col} FROM runs r WHERE r.sync_id = syncs.id AND r.kind = 'full'
    AND r.dry_run = 0 ORDER BY r.id DESC LIMIT 1)`)

/**
 * Active following syncs of live tenants with a history cursor, with what the reconcile needs. A
 * tenant's first poll (a queued slice, after this tick) starts its cursor and asks for the
 * reconcile itself: until then it has no candidates, so the reconcile runs once, after it.
 */
export async function reconcileCandidates(db: Db): Promise<ReconcileRow[]> {
  return db
    .select({
      id: syncs.id,
      tenantId: syncs.tenantId,
      mode: syncs.mode,
      allCustomers: syncs.allCustomers,
      segmentCode: syncs.segmentCode,
      segmentIsDynamic: syncs.segmentIsDynamic,
      createdAt: syncs.createdAt,
      nextRunKind: syncs.nextRunKind,
      tenantLastReconcileAt: tenants.lastReconcileAt,
      lastFullRunCreatedAt: sql<number | null>`${lastFull('created_at')}`,
      lastFullRunStatus: sql<RunStatus | null>`${lastFull('status')}`,
    })
    .from(syncs)
    .innerJoin(tenants, eq(tenants.id, syncs.tenantId))
    .where(and(liveTenant, isNotNull(tenants.historySinceId), eq(syncs.state, 'active'), following))
}

export interface DueMarkRow {
  syncId: number
  tenantId: number
  nextRunAt: number
  nextRunKind: MarkKind | null
  historyAppliedId: number | null
  tenantCursor: number | null
  lastRunStatus: RunStatus | null
  /** What a full run of the sync reads: its segment code, or '*' for all customers. */
  source: string
}

/**
 * Marks due at `now` on active syncs of live tenants: the oldest `perTenant` of each tenant (a
 * window function), so a tenant with thousands of due syncs cannot fill the whole read. A tenant
 * whose history backlog a queued poll is still paging (its poll lease) is left out: that poll
 * starts its runs once the whole backlog is recorded (poll-message.ts), so one change is applied
 * by one run instead of a first run with a part of it and a second one a tick later. So is a
 * tenant without a cursor: its first poll (a queued slice) asks for the reconcile that covers all.
 */
export async function dueMarks(
  db: Db,
  now: number,
  perTenant: number,
  limit: number,
  tenantId?: number
): Promise<DueMarkRow[]> {
  const oneTenant = tenantId === undefined ? sql`` : sql`AND s.tenant_id = ${tenantId}`
  return db.all<DueMarkRow>(sql`
    SELECT syncId, tenantId, nextRunAt, nextRunKind, historyAppliedId, tenantCursor, lastRunStatus,
      source
    FROM (
      SELECT s.id AS syncId, s.tenant_id AS tenantId, s.next_run_at AS nextRunAt,
        CASE WHEN s.all_customers = 1 THEN '*' ELSE 'segment:' || coalesce(s.segment_code, s.id) END
          AS source,
        s.next_run_kind AS nextRunKind, s.history_applied_id AS historyAppliedId,
        t.history_since_id AS tenantCursor,
        (SELECT r.status FROM runs r WHERE r.sync_id = s.id AND r.dry_run = 0
          ORDER BY r.id DESC LIMIT 1) AS lastRunStatus,
        ROW_NUMBER() OVER (PARTITION BY s.tenant_id ORDER BY s.next_run_at, s.id) AS rank
      FROM syncs s JOIN tenants t ON t.id = s.tenant_id
      WHERE t.active = 1 AND t.frozen = 0 AND t.broken_reason IS NULL
        AND t.history_since_id IS NOT NULL
        AND s.state = 'active' AND s.next_run_at <= ${now}
        AND (t.history_poll_until IS NULL OR t.history_poll_until <= ${now}) ${oneTenant}
    )
    WHERE rank <= ${perTenant}
    ORDER BY nextRunAt, syncId
    LIMIT ${limit}`)
}
