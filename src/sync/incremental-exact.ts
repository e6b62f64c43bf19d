/**
 * The plan of an exact-mode incremental run, pure: the customers the history touched (re-read
 * now) and what the holder index (src/sync/holders.ts) says about their addresses in; additions,
 * removals and the index entries to append out — or why a full run is needed.
 *
 * An address is removed only when it is provably no longer held by a member:
 * - the index (the last complete full run, plus the members later incremental runs saw) knows it
 *   is in the list, is not shared, and every customer it names was re-read in this run; and
 * - no re-read member holds it (as a valid or role address) now.
 * Every member that held the address without any change since the watermark is in the index (its
 * state did not change since the full run read it, or an incremental run appended it), so nobody
 * else can hold it. An opted-out member's address goes regardless: an opt-out vetoes the address
 * in a full run too. Whatever cannot be proven (a shared address, a holder not re-read, a customer
 * whose indexed address is not its current one — an address change or a deletion whose old address
 * only a full run can find) makes the run full; an address the index does not know to be in the
 * list is left alone (nothing to remove, and no exclusion row may create a contact).
 */
import type { RunCounts } from './counts'
import { guardTrips } from './guard'
import { type HolderEntry, type HolderFacts, holderKey } from './holders'

/** A touched customer as re-read now (kind 'gone' = no longer exists). */
export interface TouchedCustomer {
  id: number
  kind: 'valid' | 'opted_out' | 'role' | 'invalid' | 'gone'
  /** Normalised address ('' when none). */
  email: string
  /** A member of the sync's segment now (every existing customer for "all customers"). */
  member: boolean
  /** Raw values of the mapped sources the poller recorded, and the sources that changed (#15). */
  values?: Record<string, string>
  changed?: string[]
}

export interface ExactPlan {
  full: string | null
  adds: string[]
  removes: string[]
  /** Members re-read in this run, appended to the index (hash, id, in the list afterwards). */
  append: HolderEntry[]
  counts: Partial<RunCounts>
}

/** The guard of a full run, applied to an estimate of the list size (a full run re-checks). */
export interface GuardEstimate {
  listSize: number
  percent: number
  minCount: number
}

function fullPlan(reason: string): ExactPlan {
  return { full: reason, adds: [], removes: [], append: [], counts: {} }
}

/** Plans one exact-mode incremental run. */
export function planExactIncremental(
  touched: readonly TouchedCustomer[],
  facts: HolderFacts,
  guard: GuardEstimate
): ExactPlan {
  const ids = new Set(touched.map((c) => c.id))
  // Addresses members hold now (kept), and those an opted-out member vetoes.
  const kept = new Set<string>()
  const vetoed = new Set<string>()
  for (const c of touched) {
    if (!c.member || c.kind === 'gone' || c.kind === 'invalid') continue
    if (c.kind === 'opted_out') vetoed.add(c.email)
    else kept.add(c.email)
  }
  for (const c of touched) {
    const held = facts.heldBy.get(c.id)
    if (!held) continue
    const now = c.kind === 'gone' || c.email === '' ? null : holderKey(c.email)
    for (const h of held) if (h !== now) return fullPlan('a customer’s address changed')
  }

  const counts = { readFromCrm: 0, skippedOptedOut: 0, invalid: 0, duplicates: 0 }
  const adds = new Set<string>()
  const removes = new Set<string>()
  const append: HolderEntry[] = []
  const seen = new Set<string>()
  for (const c of touched) {
    if (c.kind === 'gone') continue
    counts.readFromCrm++
    if (c.member && c.kind !== 'invalid') {
      if (seen.has(c.email)) counts.duplicates++
      seen.add(c.email)
    }
    if (c.member && c.kind === 'invalid') counts.invalid++
    if (c.member && c.kind === 'opted_out') counts.skippedOptedOut++
    if (c.member && c.kind === 'valid' && !vetoed.has(c.email)) adds.add(c.email)
    if (c.member && (c.kind === 'valid' || c.kind === 'role'))
      append.push({ hash: holderKey(c.email), id: c.id, inList: adds.has(c.email) })
  }

  const candidates = new Set<string>()
  for (const c of touched) {
    if (c.kind === 'gone' || c.kind === 'invalid' || c.email === '') continue
    if (vetoed.has(c.email) || !kept.has(c.email)) candidates.add(c.email)
  }
  for (const email of candidates) {
    const entries = facts.byHash.get(holderKey(email)) ?? []
    if (!entries.some((e) => e.inList)) continue
    if (!vetoed.has(email)) {
      if (entries.some((e) => e.id === 0)) return fullPlan('an address shared by several customers')
      if (entries.some((e) => !ids.has(e.id)))
        return fullPlan('an address also held by a customer not re-read')
    }
    removes.add(email)
  }
  if (guardTrips(removes.size, guard.listSize, guard.percent, guard.minCount))
    return fullPlan('many removals: the full run applies the removal guard')
  return {
    full: null,
    adds: [...adds].sort(),
    removes: [...removes].sort(),
    append,
    counts: { ...counts, plannedAdd: adds.size, plannedRemove: removes.size },
  }
}
