/**
 * The plan of an incremental run, pure: the customers the history touched (re-read from the CRM
 * now) in, the addresses to add and to exclude out — or the reason a full run is needed instead.
 *
 * Only what is provably right from the changed customers alone is applied (same rules as the full
 * diff in src/sync/diff.ts, restricted to these customers):
 * - union adds valid members; it never removes;
 * - subtraction removes members' addresses from the list (one `exclude` call each, which never
 *   creates a contact); more than the removal guard's minimum goes to a full run, which knows the
 *   list size the guard needs;
 * - exact adds valid members and removes nothing: which address the list holds for a member who
 *   left, was deleted, merged away or opted out, and whether another member shares it, cannot be
 *   proven without reading both sides. Such changes never ride on an incremental run alone: the
 *   poller marks them for a full run (affected.ts), and a mark that turned full after an
 *   incremental one was claimed is started next. The pending rows of this tenant also hold
 *   customers touched for other syncs; here they are simply not members.
 */
import type { Customer } from '../clients/retailcrm'
import type { SyncMode } from '../db/schema'
import type { RunCounts } from '../sync/counts'
import { classifyCustomer } from '../sync/normalize'

/** Most changed customers one incremental run re-reads (10 CRM calls); more = a full run. */
export const MAX_INCREMENTAL_CUSTOMERS = 1000

export interface IncrementalPlan {
  /** Why a full run is needed instead, or null. */
  full: string | null
  adds: string[]
  excludes: string[]
  counts: Partial<RunCounts>
}

export interface IncrementalTarget {
  mode: SyncMode
  allCustomers: boolean
  segmentCode: string | null
  /** Removals at or above this count go through a full run (the sync's guard minimum). */
  guardMinCount: number
}

/** Plans the changes of `pendingIds` given their current state (`customers`, missing = gone). */
export function planIncremental(
  t: IncrementalTarget,
  pendingIds: readonly number[],
  customers: readonly Customer[]
): IncrementalPlan {
  const full = (reason: string): IncrementalPlan => ({
    full: reason,
    adds: [],
    excludes: [],
    counts: {},
  })
  const byId = new Map(customers.map((c) => [c.id, c]))
  const adds = new Set<string>()
  const excludes = new Set<string>()
  const counts = { readFromCrm: customers.length, skippedOptedOut: 0, invalid: 0, duplicates: 0 }
  const seen = new Set<string>()
  for (const id of pendingIds) {
    const c = byId.get(id)
    if (!c) continue
    const member = t.allCustomers || (c.segments ?? []).some((s) => s.code === t.segmentCode)
    if (!member) continue
    const k = classifyCustomer(c)
    if (k.kind !== 'invalid') {
      if (seen.has(k.email)) counts.duplicates++
      seen.add(k.email)
    }
    if (t.mode === 'subtract') {
      if (k.kind === 'invalid') counts.invalid++
      else excludes.add(k.email)
      continue
    }
    if (k.kind === 'valid') adds.add(k.email)
    else if (k.kind === 'opted_out') counts.skippedOptedOut++
    else counts.invalid++
  }
  if (excludes.size >= Math.max(1, t.guardMinCount))
    return full('many removals: the full run applies the removal guard')
  return {
    full: null,
    adds: [...adds].sort(),
    excludes: [...excludes].sort(),
    counts: { ...counts, plannedAdd: adds.size, plannedRemove: excludes.size },
  }
}
