/**
 * The plan of one partition: what to add to and remove from the list so that the mode's guarantee
 * holds, and which members' mapped contact fields to update (#15). Pure; the engine calls it once per partition with that partition's staged emails.
 *
 * Inputs (normalised, possibly repeated): S = addable segment emails, O = opted out in the CRM,
 * K = role addresses (kept if present, never sent), L = active list members, U = list members
 * unsubscribed or blocked account-wide (still members: removable, never re-added), N = contacts
 * that unsubscribed from this list (not members any more: never re-added, nothing to remove).
 */
import type { SyncMode } from '../db/schema'
import type { RejectReason, RunCounts } from './counts'
import { changedFields, packValues, unpackValues } from './field-values'

export interface PartitionInput {
  S: readonly string[]
  O: readonly string[]
  K: readonly string[]
  L: readonly string[]
  U: readonly string[]
  N: readonly string[]
  /** Addresses Unisender refused to add in the previous run, with the reason (not re-sent). */
  X?: ReadonlyMap<string, RejectReason>
  /**
   * Contact fields (#15): how many are mapped, the packed CRM values of S members, and the value
   * hashes of L members (field-lines.ts). Absent when the sync maps none.
   */
  F?: { n: number; crm: ReadonlyMap<string, string>; list: ReadonlyMap<string, string> }
}

/**
 * The update of a member whose mapped values differ (#15): only the changed values, the others
 * empty (an empty cell changes nothing). Null when nothing differs. Only ever asked for active
 * members (L) that are addable segment members (S): never for contacts unsubscribed or blocked in
 * Unisender, nor for CRM opt-outs.
 */
function fieldUpdate(F: NonNullable<PartitionInput['F']>, email: string): string | null {
  const crm = unpackValues(F.crm.get(email) ?? '', F.n)
  const changed = changedFields(crm, (F.list.get(email) ?? '').split(','))
  if (!changed.some(Boolean)) return null
  return packValues(crm.map((v, i) => (changed[i] ? v : '')))
}

export interface PartitionPlan {
  adds: string[]
  /** Members whose mapped fields change: email and the packed values to write (#15). */
  updates: { email: string; values: string }[]
  /** Refusals carried forward to the next run (still in S, still not in the list). */
  refused: { email: string; reason: RejectReason }[]
  removes: string[]
  counts: Partial<RunCounts>
  rejects: { email: string; reason: RejectReason }[]
}

/** Computes adds, removes, counts and per-contact rejects of one partition. */
export function diffPartition(
  mode: SyncMode,
  input: PartitionInput,
  opts: { additionsOnly: boolean; rejectCap: number }
): PartitionPlan {
  // Segment side: opted-out wins over role, role over addable (a customer record that opted out
  // vetoes adding the address even if another record with the same address did not).
  const seg = new Map<string, 'S' | 'O' | 'K'>()
  let entries = 0
  const rejects: PartitionPlan['rejects'] = []
  const reject = (email: string, reason: RejectReason) => {
    if (rejects.length < opts.rejectCap) rejects.push({ email, reason })
  }
  for (const [side, list] of [
    ['O', input.O],
    ['K', input.K],
    ['S', input.S],
  ] as const) {
    for (const e of list) {
      entries++
      if (seg.has(e)) reject(e, 'duplicate')
      else seg.set(e, side)
    }
  }
  const duplicates = entries - seg.size

  const list = new Map<string, 'L' | 'U' | 'N'>()
  for (const e of input.N) list.set(e, 'N')
  for (const e of input.U) if (!list.has(e)) list.set(e, 'U')
  for (const e of input.L) if (!list.has(e)) list.set(e, 'L')
  let members = 0
  for (const side of list.values()) if (side !== 'N') members++

  const adds: string[] = []
  const refused: PartitionPlan['refused'] = []
  let refusedInvalid = 0
  const removes: string[] = []
  const updates: PartitionPlan['updates'] = []
  let unchanged = 0
  let skippedUnsubscribed = 0
  let optedOut = 0
  let role = 0
  for (const [e, side] of seg) {
    const where = list.get(e)
    const inList = where === 'N' ? undefined : where
    // Subtraction removes every address of the segment, opted-out and role ones too: none of them
    // is skipped, so none is counted or reported as skipped (issue #13, point 11).
    if (mode === 'subtract') {
      if (inList) removes.push(e)
      continue
    }
    if (side === 'O') {
      optedOut++
      reject(e, 'opted_out_in_crm')
      if (mode === 'exact' && inList) removes.push(e)
    } else if (side === 'K') {
      role++
      reject(e, 'role_address')
    } else if (where === 'U' || where === 'N') {
      skippedUnsubscribed++
      reject(e, 'unsubscribed_in_unisender')
    } else if (inList === 'L') {
      const values = input.F ? fieldUpdate(input.F, e) : null
      if (values === null) unchanged++
      else updates.push({ email: e, values })
    } else if (input.X?.has(e)) {
      const reason = input.X.get(e)!
      refused.push({ email: e, reason })
      reject(e, reason)
      if (reason === 'unsubscribed_in_unisender') skippedUnsubscribed++
      else refusedInvalid++
    } else adds.push(e)
  }
  if (mode === 'exact') {
    for (const [e, where] of list) if (where !== 'N' && !seg.has(e)) removes.push(e)
  }
  if (mode === 'subtract') unchanged = members - removes.length
  const finalRemoves = opts.additionsOnly ? [] : removes
  adds.sort()
  finalRemoves.sort()
  updates.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
  return {
    adds,
    updates,
    refused,
    removes: finalRemoves,
    counts: {
      listBefore: members,
      duplicates,
      unchanged: opts.additionsOnly && mode === 'subtract' ? members : unchanged,
      skippedUnsubscribed,
      skippedOptedOut: optedOut,
      invalid: role + refusedInvalid,
      plannedAdd: adds.length,
      plannedRemove: finalRemoves.length,
      plannedUpdate: updates.length,
    },
    rejects,
  }
}

/** Adds `b` into `a` (counts are sums over partitions and steps). */
export function addCounts(a: RunCounts, b: Partial<RunCounts>): RunCounts {
  const out = { ...a }
  for (const [k, v] of Object.entries(b) as [keyof RunCounts, number][]) out[k] = (out[k] ?? 0) + v
  return out
}
