/**
 * The plan of an incremental run, pure: the customers the history touched (as the poller re-read
 * them, incremental-records.ts) in, the addresses to add and to exclude out — or the reason a full
 * run is needed instead.
 *
 * Only what is provably right from the changed customers alone is applied (same rules as the full
 * diff in src/sync/diff.ts, restricted to these customers):
 * - union adds valid members; it never removes;
 * - subtraction removes members' addresses from the list (one `exclude` call each, which never
 *   creates a contact); more than the removal guard's minimum goes to a full run, which knows the
 *   list size the guard needs;
 * - exact match is planned in incremental-exact.ts, which proves removals with the holder index.
 * The recorded pages of this tenant also hold customers touched for other syncs; here they are
 * simply not members.
 */
import type { Customer } from '../clients/retailcrm'
import type { SyncMode } from '../db/schema'
import type { RunCounts } from './counts'
import type { TouchedCustomer } from './incremental-exact'
import { changeRecord, touchedOf } from './incremental-records'

/**
 * Most changed customers one incremental run applies (in one step, from the recorded pages: about
 * 2 MB of records at most); more = a full run. 1% of a 1,000,000-customer segment fits.
 */
export const MAX_INCREMENTAL_CUSTOMERS = 20_000

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

/**
 * A customer as re-read now (`c` undefined = no longer exists), as the sync sees it: the record
 * the poller would keep (incremental-records.ts) and whether it is a member of the sync's segment.
 */
export function touchedCustomer(
  t: Pick<IncrementalTarget, 'allCustomers' | 'segmentCode'>,
  id: number,
  c: Customer | undefined
): TouchedCustomer {
  return touchedOf(t, changeRecord(id, c))
}

/** Plans the changes of `pendingIds` given their current state (`customers`, missing = gone). */
export function planIncremental(
  t: IncrementalTarget,
  pendingIds: readonly number[],
  customers: readonly Customer[]
): IncrementalPlan {
  const byId = new Map(customers.map((c) => [c.id, c]))
  return planTouched(
    t,
    pendingIds.map((id) => touchedCustomer(t, id, byId.get(id)))
  )
}

/** Plans union and subtraction runs from the re-read customers (exact: incremental-exact.ts). */
export function planTouched(
  t: IncrementalTarget,
  touched: readonly TouchedCustomer[]
): IncrementalPlan {
  const adds = new Set<string>()
  const excludes = new Set<string>()
  const counts = { readFromCrm: 0, skippedOptedOut: 0, invalid: 0, duplicates: 0 }
  const seen = new Set<string>()
  for (const c of touched) {
    if (c.kind === 'gone') continue
    counts.readFromCrm++
    if (!c.member) continue
    if (c.kind !== 'invalid') {
      if (seen.has(c.email)) counts.duplicates++
      seen.add(c.email)
    }
    if (t.mode === 'subtract') {
      if (c.kind === 'invalid') counts.invalid++
      else excludes.add(c.email)
      continue
    }
    if (c.kind === 'valid') adds.add(c.email)
    else if (c.kind === 'opted_out') counts.skippedOptedOut++
    else if (c.kind === 'invalid') counts.invalid++
  }
  if (excludes.size >= Math.max(1, t.guardMinCount))
    return {
      full: 'many removals: the full run applies the removal guard',
      adds: [],
      excludes: [],
      counts: {},
    }
  return {
    full: null,
    adds: [...adds].sort(),
    excludes: [...excludes].sort(),
    counts: { ...counts, plannedAdd: adds.size, plannedRemove: excludes.size },
  }
}
