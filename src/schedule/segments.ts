/**
 * Watches the customersCount of the tenant's dynamic segments (one GET /segments per tenant on its
 * watch minute, by ids): a count that moved without membership entries in the history means a
 * recalculation the history did not show (UNCONFIRMED whether it always shows them), so the sync
 * gets a full run. A segment that is gone from the CRM fails its sync visibly instead: a failed
 * run with the reason, the sync paused, and the list left untouched.
 */
import { and, eq } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { runs, syncs } from '../db/schema'
import { MISSING_MESSAGE, SEGMENT_MISSING } from '../sync'
import type { CrmPort, ScheduleDeps } from './deps'
import { markSync } from './marks'
import { type SegmentWatchRow, watchedSegmentSyncs } from './queries'

export interface CountVerdict {
  /** Syncs whose segment changed size without history evidence: full run. */
  full: number[]
  /** Syncs whose segment is gone from the CRM. */
  missing: number[]
  /** New counts to store (sync id → count), only where they changed. */
  counts: Map<number, number>
  /** Syncs whose segment turned out to be static (stored so they stop being watched). */
  becameStatic: number[]
}

/** Pure comparison of the watched syncs with the segments the CRM returned. */
export function compareCounts(
  watched: readonly SegmentWatchRow[],
  segments: readonly { id: number; code: string; customersCount: number; isDynamic: boolean }[],
  membershipCodes: ReadonlySet<string>
): CountVerdict {
  const byId = new Map(segments.map((s) => [s.id, s]))
  const v: CountVerdict = { full: [], missing: [], counts: new Map(), becameStatic: [] }
  for (const w of watched) {
    if (w.segmentId === null) continue
    const seg = byId.get(w.segmentId)
    if (!seg) {
      v.missing.push(w.id)
      continue
    }
    if (!seg.isDynamic) v.becameStatic.push(w.id)
    if (seg.customersCount === w.lastSeenCustomersCount) continue
    v.counts.set(w.id, seg.customersCount)
    // The history explains the move only when this tick's poll showed this segment's membership
    // changes (an unrelated mark waiting on the sync proves nothing about the segment).
    const evidence = membershipCodes.has(w.segmentCode ?? seg.code)
    if (w.lastSeenCustomersCount !== null && !evidence && seg.isDynamic) v.full.push(w.id)
  }
  return v
}

/** The tenant's watched syncs and the CRM's current view of their segments. */
export interface WatchedSegments {
  watched: SegmentWatchRow[]
  segments: { id: number; code: string; customersCount: number; isDynamic: boolean }[]
}

/**
 * Reads the segments of the tenant's watched syncs: one GET /segments, or none (null) when the
 * tenant watches no segment. At most 100 segments (one request); a tenant with more syncs is
 * unusual, and the history plus the daily reconcile still cover the rest.
 */
export async function readWatchedSegments(
  deps: ScheduleDeps,
  tenantId: number,
  crm: CrmPort
): Promise<WatchedSegments | null> {
  const watched = (await watchedSegmentSyncs(deps.db, tenantId)).slice(0, 100)
  const ids = [...new Set(watched.map((w) => w.segmentId).filter((x): x is number => x !== null))]
  if (ids.length === 0) return null
  const res = await crm.listSegments({ ids, limit: 100 })
  return { watched, segments: res.segments }
}

/** True when the verdict has nothing to record: no count moved, no segment gone or turned static. */
export function isQuiet(v: CountVerdict): boolean {
  return v.counts.size === 0 && v.missing.length === 0 && v.becameStatic.length === 0
}

/** Records a verdict: new counts, static segments, full runs to mark, gone segments failed. */
export async function applyCounts(
  deps: ScheduleDeps,
  tenantId: number,
  v: CountVerdict
): Promise<void> {
  const now = deps.now()
  const { db } = deps
  const stmts: BatchItem<'sqlite'>[] = [
    ...[...v.counts].map(([id, n]) =>
      db.update(syncs).set({ lastSeenCustomersCount: n }).where(eq(syncs.id, id))
    ),
    ...v.becameStatic.map((id) =>
      db.update(syncs).set({ segmentIsDynamic: false }).where(eq(syncs.id, id))
    ),
    ...v.full.map((id) => markSync(db, tenantId, id, 'full', now)),
  ]
  if (stmts.length > 0) await db.batch(stmts as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
  for (const id of v.missing) await failMissingSegment(deps, tenantId, id, now)
}

/** Reads the segments of the tenant's watched syncs and records what changed. */
export async function watchSegments(
  deps: ScheduleDeps,
  tenantId: number,
  crm: CrmPort,
  membershipCodes: ReadonlySet<string>
): Promise<CountVerdict | null> {
  const seen = await readWatchedSegments(deps, tenantId, crm)
  if (seen === null) return null
  const v = compareCounts(seen.watched, seen.segments, membershipCodes)
  await applyCounts(deps, tenantId, v)
  return v
}

/**
 * Pauses the sync (so no run touches the list) and records a failed run saying why. The pause is
 * a conditional UPDATE and only its winner records the run, so the failure appears once, not every
 * minute or once per concurrent tick.
 */
async function failMissingSegment(
  deps: ScheduleDeps,
  tenantId: number,
  syncId: number,
  now: number
): Promise<void> {
  const { db } = deps
  const paused = await db
    .update(syncs)
    .set({
      state: 'paused',
      pausedReason: SEGMENT_MISSING,
      nextRunAt: null,
      nextRunKind: null,
      updatedAt: now,
    })
    .where(and(eq(syncs.id, syncId), eq(syncs.tenantId, tenantId), eq(syncs.state, 'active')))
    .returning({ id: syncs.id })
  if (paused.length === 0) return
  await db.insert(runs).values({
    tenantId,
    syncId,
    trigger: 'change',
    kind: 'full',
    status: 'failed',
    phase: 'failed',
    errorCode: SEGMENT_MISSING,
    errorMessage: MISSING_MESSAGE,
    createdAt: now,
    finishedAt: now,
  })
}
