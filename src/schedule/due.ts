/**
 * Due selection, pure: when a sync's periodic reconcile is due, which kind of run a claimed mark
 * becomes, and which due syncs one tick may start so that one tenant cannot crowd out the others.
 */
import type { RunStatus, SyncMode } from '../db/schema'
import type { RunTrigger } from '../sync'
import { followsChanges } from './affected'
import type { ScheduleLimits } from './config'

export type MarkKind = 'incremental' | 'full' | 'reconcile'

const RANK: Record<MarkKind, number> = { incremental: 1, full: 2, reconcile: 3 }

/** The stronger of two marks: a sync marked for a full run never goes back to incremental. */
export function strongerKind(a: MarkKind | null, b: MarkKind): MarkKind {
  return a && RANK[a] >= RANK[b] ? a : b
}

/**
 * A deterministic offset in [0, spanMs) per key (a tenant id for reconciles), so the reconciles of
 * many shops do not coincide.
 */
export function jitterMs(key: number, spanMs: number): number {
  if (spanMs <= 0) return 0
  let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % spanMs
}

export interface ReconcileInput {
  id: number
  /** The jitter is per shop: its syncs' reconciles stay together and can share one CRM read. */
  tenantId: number
  mode: SyncMode
  allCustomers: boolean
  segmentCode: string | null
  segmentIsDynamic: boolean | null
  createdAt: number
  /** Creation time and status of the sync's latest full run, if any. */
  lastFullRunCreatedAt: number | null
  lastFullRunStatus: RunStatus | null
}

/**
 * True when the backstop full run of a sync is due at `now`: a day (plus its jitter) after its last
 * full run was started — or after a failed one, `failedRetryMs` later. The jitter is the shop's,
 * so syncs whose last full runs started together (a reconnect, a shared read) are due together
 * again and share a read the next day too (docs/shared-read.md); shops stay spread. Static segments are never
 * reconciled by the scheduler: they sync once, and again when the user asks.
 */
export function isReconcileDue(s: ReconcileInput, now: number, limits: ScheduleLimits): boolean {
  if (!followsChanges(s)) return false
  if (s.lastFullRunStatus === 'failed' && s.lastFullRunCreatedAt !== null)
    return now >= s.lastFullRunCreatedAt + limits.failedRetryMs
  const base = s.lastFullRunCreatedAt ?? s.createdAt
  return now >= base + limits.reconcileIntervalMs + jitterMs(s.tenantId, limits.reconcileJitterMs)
}

export interface ClaimedMark {
  kind: MarkKind | null
  historyAppliedId: number | null
  lastRunStatus: RunStatus | null
}

/**
 * The run a claimed mark starts. An incremental run is only safe when this sync has a watermark
 * (its earlier changes are applied) and its last run did not fail; otherwise it becomes full.
 * A mark without a kind (next_run_at set by someone else) is a plain scheduled full run.
 */
export function runForMark(
  m: ClaimedMark,
  opts: { incrementalEnabled: boolean }
): { trigger: RunTrigger; kind: 'full' | 'incremental' } {
  if (m.kind === 'reconcile') return { trigger: 'reconcile', kind: 'full' }
  if (m.kind === null) return { trigger: 'schedule', kind: 'full' }
  const safe =
    m.kind === 'incremental' &&
    opts.incrementalEnabled &&
    m.historyAppliedId !== null &&
    m.lastRunStatus !== 'failed'
  return { trigger: 'change', kind: safe ? 'incremental' : 'full' }
}

export interface DueRow {
  syncId: number
  tenantId: number
  nextRunAt: number
  /** The run the mark starts; incremental ones are not capped per tenant. */
  plan?: { kind: 'full' | 'incremental' }
  /**
   * What a full run reads (a segment code, or all customers): full runs of one tenant on the same
   * source share one CRM read (docs/shared-read.md), so they count as one start.
   */
  source?: string
}

/**
 * Picks the due syncs one tick starts: oldest first, full runs of at most `maxStartsPerTenant`
 * sources per tenant (runs on one source share one read, so they count once) and
 * `maxStartsPerTick` runs in all. Taking round-robin turns across tenants means a
 * tenant with hundreds of due syncs gets its share and the others still get theirs in the same
 * tick. Incremental runs are not capped per tenant: they read nothing from the CRM (the poller
 * re-read the change once for all of them, src/schedule/poll.ts) and write only the change, so a
 * shop with many syncs on one segment has every list right after the tick that sees the change.
 */
export function pickFair<T extends DueRow>(rows: readonly T[], limits: ScheduleLimits): T[] {
  const byTenant = new Map<number, T[]>()
  const sources = new Map<number, Set<string>>()
  const sorted = [...rows].sort((a, b) => a.nextRunAt - b.nextRunAt || a.syncId - b.syncId)
  for (const r of sorted) {
    const list = byTenant.get(r.tenantId) ?? []
    byTenant.set(r.tenantId, list)
    if (r.plan?.kind === 'incremental') {
      list.push(r)
      continue
    }
    const taken = sources.get(r.tenantId) ?? new Set<string>()
    sources.set(r.tenantId, taken)
    const key = r.source ?? `sync:${r.syncId}`
    if (!taken.has(key)) {
      if (taken.size >= limits.maxStartsPerTenant) continue
      taken.add(key)
    }
    list.push(r)
  }
  const queues = [...byTenant.values()]
  const out: T[] = []
  for (let round = 0; out.length < limits.maxStartsPerTick; round++) {
    let any = false
    for (const q of queues) {
      const r = q[round]
      if (!r) continue
      any = true
      out.push(r)
      if (out.length >= limits.maxStartsPerTick) break
    }
    if (!any) break
  }
  return out
}
