/**
 * Which syncs a page of history affects, and whether an incremental run can apply the change or a
 * full run is needed. Pure: the facts of the page, the current segments of the touched customers
 * (looked up by the poller) and the tenant's syncs in; a verdict per sync out.
 *
 * The rules follow what each mode does with a change (README "modes"):
 * - union only ever adds: joins, new emails, consent changes of members are incremental; leaving,
 *   deletion and merging need nothing;
 * - subtraction removes members from the list: the same changes are incremental (remove the new
 *   address), leaving/deletion need nothing (a former member is never re-added);
 * - exact match also removes former members' emails: a member leaving or opting out is incremental
 *   (the holder index proves whether its address may go, src/sync/incremental-exact.ts, and
 *   the run turns full when it cannot); a changed address, a deleted or merged customer take a
 *   full run, because the old address is known only to the list (safe, costs more).
 * - a change of mapped customer data (#15) is incremental for a union or exact sync that maps a
 *   source it may change and has the customer as a member; subtraction writes no fields.
 */
import type { SyncMode } from '../db/schema'
import { ANY_CUSTOM_FIELD, type PageFacts } from './history'

export type ChangeKind = 'incremental' | 'full'

/** The sync fields the scheduler needs. */
export interface SyncTarget {
  id: number
  mode: SyncMode
  allCustomers: boolean
  segmentCode: string | null
  /** null = not known yet: treated as dynamic (follow changes rather than miss them). */
  segmentIsDynamic: boolean | null
  /** The CRM sources the sync maps to contact fields (#15); none when absent. */
  fieldSources?: readonly string[]
}

/** Whether a sync mapping `mapped` sources writes a value a change of `changed` may alter. */
export function mapsAny(mapped: readonly string[] | undefined, changed: ReadonlySet<string>) {
  return (mapped ?? []).some(
    (s) => changed.has(s) || (s.startsWith('cf:') && changed.has(ANY_CUSTOM_FIELD))
  )
}

/** True when a sync follows the CRM's changes (dynamic segments and "all customers"). */
export function followsChanges(s: SyncTarget): boolean {
  return s.allCustomers || s.segmentIsDynamic !== false
}

type Effect = 'none' | ChangeKind
type Event = 'joined' | 'left' | 'email' | 'consent' | 'created' | 'merge-target' | 'gone' | 'field'

/** What a change of one member means for a sync in `mode`. */
export function effectOf(mode: SyncMode, event: Event): Effect {
  switch (event) {
    case 'joined':
    case 'created':
    case 'merge-target':
      return 'incremental'
    case 'consent':
      return 'incremental'
    case 'email':
      return mode === 'exact' ? 'full' : 'incremental'
    case 'left':
      return mode === 'exact' ? 'incremental' : 'none'
    case 'gone':
      return mode === 'exact' ? 'full' : 'none'
    case 'field':
      return mode === 'subtract' ? 'none' : 'incremental'
  }
}

function stronger(a: Effect | undefined, b: Effect): Effect {
  if (a === 'full' || b === 'full') return 'full'
  if (a === 'incremental' || b === 'incremental') return 'incremental'
  return 'none'
}

/**
 * Maps one page to a verdict per affected sync. `segmentsOf` holds the current segment codes of
 * the looked-up customers; a looked-up customer missing from it no longer exists (treated as gone).
 */
export function affectedSyncs(
  facts: PageFacts,
  segmentsOf: ReadonlyMap<number, ReadonlySet<string>>,
  syncList: readonly SyncTarget[],
  lookedUp: readonly number[],
  opts: { incrementalEnabled: boolean }
): Map<number, ChangeKind> {
  const effects = new Map<number, Effect>()
  const apply = (s: SyncTarget, e: Event) => {
    effects.set(s.id, stronger(effects.get(s.id), effectOf(s.mode, e)))
  }
  const live = syncList.filter(followsChanges)
  const gone = new Set(facts.gone)
  for (const id of lookedUp) if (!segmentsOf.has(id)) gone.add(id)

  for (const m of facts.membership) {
    for (const s of live)
      if (!s.allCustomers && s.segmentCode === m.code) apply(s, m.joined ? 'joined' : 'left')
  }
  const perCustomer: [Set<number>, Event][] = [
    [facts.created, 'created'],
    [facts.emailChanged, 'email'],
    [facts.consentChanged, 'consent'],
    [facts.mergeTargets, 'merge-target'],
  ]
  for (const [ids, event] of perCustomer) {
    for (const id of ids) {
      const codes = segmentsOf.get(id)
      if (!codes) continue
      for (const s of live)
        if (s.allCustomers || (s.segmentCode !== null && codes.has(s.segmentCode))) apply(s, event)
    }
  }
  for (const [id, change] of facts.fieldChanged) {
    const codes = segmentsOf.get(id)
    if (!codes) continue
    for (const s of live)
      if (
        mapsAny(s.fieldSources, change.sources) &&
        (s.allCustomers || (s.segmentCode !== null && codes.has(s.segmentCode)))
      )
        apply(s, 'field')
  }
  // Whose list held a gone customer's email is unknown: every sync that removes must look.
  if (gone.size > 0) for (const s of live) apply(s, 'gone')

  const out = new Map<number, ChangeKind>()
  for (const [id, e] of effects) {
    if (e === 'none') continue
    out.set(id, opts.incrementalEnabled ? e : 'full')
  }
  return out
}
