/**
 * Which part of the staged emails one `diff` step takes. Small partitions are taken whole, as many
 * as fit the budget; a partition over the budget is taken in equal ranges of its sub-ranges
 * (partition.ts SUBS), so no step holds more than about `budget` emails at any N. Pure and
 * deterministic: a retried or duplicated step takes the same slice.
 */
import { PARTITIONS, SUBS, subOf } from './partition'

/** Partitions [from, to); within them only emails whose sub-range is in [subFrom, subTo). */
export interface DiffSlice {
  from: number
  to: number
  subFrom: number
  subTo: number
}

/**
 * The slice of the step at `partition`/`sub`, from the staged item count of each partition.
 * A partition larger than SUBS × budget is still cut into SUBS ranges only (over the budget).
 */
export function diffSlice(
  sizes: ReadonlyMap<number, number>,
  partition: number,
  sub: number,
  budget: number
): DiffSlice {
  const size = (p: number) => sizes.get(p) ?? 0
  if (sub === 0 && size(partition) <= budget) {
    let to = partition + 1
    let load = size(partition)
    while (to < PARTITIONS && load + size(to) <= budget) load += size(to++)
    return { from: partition, to, subFrom: 0, subTo: SUBS }
  }
  const pieces = Math.min(SUBS, Math.max(1, Math.ceil(size(partition) / Math.max(1, budget))))
  const span = Math.ceil(SUBS / pieces)
  return { from: partition, to: partition + 1, subFrom: sub, subTo: Math.min(SUBS, sub + span) }
}

/** Whether the slice takes its partitions whole. */
export function isWhole(s: DiffSlice): boolean {
  return s.subFrom === 0 && s.subTo === SUBS
}

/** A filter for the emails of the slice (every email when it takes whole partitions). */
export function sliceFilter(s: DiffSlice): (email: string) => boolean {
  if (isWhole(s)) return () => true
  return (email) => {
    const sub = subOf(email)
    return sub >= s.subFrom && sub < s.subTo
  }
}
