/**
 * The plan of one partition: what to add to and remove from the list so that the mode's guarantee
 * holds. Pure; the engine calls it once per partition with that partition's staged emails.
 *
 * Inputs (normalised, possibly repeated): S = addable segment emails, O = opted out in the CRM,
 * K = role addresses (kept if present, never sent), L = list members, U = list members that are
 * unsubscribed or blocked in Unisender (never resubscribed).
 */
import type { SyncMode } from '../db/schema'
import type { RejectReason, RunCounts } from './counts'

export interface PartitionInput {
  S: readonly string[]
  O: readonly string[]
  K: readonly string[]
  L: readonly string[]
  U: readonly string[]
}

export interface PartitionPlan {
  adds: string[]
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

  const list = new Map<string, 'L' | 'U'>()
  for (const e of input.U) list.set(e, 'U')
  for (const e of input.L) if (!list.has(e)) list.set(e, 'L')

  const adds: string[] = []
  const removes: string[] = []
  let unchanged = 0
  let skippedUnsubscribed = 0
  let optedOut = 0
  let role = 0
  for (const [e, side] of seg) {
    const inList = list.get(e)
    if (side === 'O') {
      optedOut++
      reject(e, 'opted_out_in_crm')
      if (mode !== 'union' && inList) removes.push(e)
    } else if (side === 'K') {
      role++
      reject(e, 'role_address')
      if (mode === 'subtract' && inList) removes.push(e)
    } else if (mode === 'subtract') {
      if (inList) removes.push(e)
    } else if (inList === 'U') {
      skippedUnsubscribed++
      reject(e, 'unsubscribed_in_unisender')
    } else if (inList === 'L') unchanged++
    else adds.push(e)
  }
  if (mode === 'exact') {
    for (const e of list.keys()) if (!seg.has(e)) removes.push(e)
  }
  if (mode === 'subtract') unchanged = list.size - removes.length
  const finalRemoves = opts.additionsOnly ? [] : removes
  adds.sort()
  finalRemoves.sort()
  return {
    adds,
    removes: finalRemoves,
    counts: {
      listBefore: list.size,
      duplicates,
      unchanged: opts.additionsOnly && mode === 'subtract' ? list.size : unchanged,
      skippedUnsubscribed,
      skippedOptedOut: optedOut,
      invalid: role,
      plannedAdd: adds.length,
      plannedRemove: finalRemoves.length,
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
