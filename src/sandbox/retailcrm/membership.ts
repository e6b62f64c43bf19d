/**
 * Segment membership as arithmetic, so page k of a 1,000,000-member segment costs O(page size):
 * a segment's candidates are the customers `offset + j*stride` (j in [0, cap)), and its members
 * are a circular window of `size` candidates starting at `lo`. A recalculation slides or resizes the
 * window (two integers), which also describes exactly who joined and who left. "All customers" is
 * the window offset 1, stride 1 over the whole base. Deleted and merged customers are a small sorted
 * exclusion list applied on top. Pure code: no I/O.
 */

export interface Window {
  offset: number
  stride: number
  cap: number
  lo: number
  size: number
}

/** How many candidates a segment has in a base of `customers` ids (1..customers). */
export function capacity(customers: number, offset: number, stride: number): number {
  if (offset > customers) return 0
  return Math.floor((customers - offset) / stride) + 1
}

/** Candidate index j → customer id. */
export function candidateId(w: Window, j: number): number {
  return w.offset + j * w.stride
}

/** Members sorted by id: position p (0-based) → customer id. */
export function idAt(w: Window, p: number): number {
  const wrap = w.lo + w.size - w.cap
  const j = wrap > 0 ? (p < wrap ? p : w.lo + (p - wrap)) : w.lo + p
  return candidateId(w, j)
}

/** Customer id → its position among the members (sorted by id), or -1 when not a member. */
export function positionOf(w: Window, id: number): number {
  const d = id - w.offset
  if (d < 0 || d % w.stride !== 0) return -1
  const j = d / w.stride
  if (j >= w.cap) return -1
  const wrap = w.lo + w.size - w.cap
  if (wrap > 0) {
    if (j < wrap) return j
    return j >= w.lo ? wrap + (j - w.lo) : -1
  }
  return j >= w.lo && j < w.lo + w.size ? j - w.lo : -1
}

/** Sorted positions of the excluded ids that are members of `w`. */
export function excludedPositions(w: Window, excludedIds: readonly number[]): number[] {
  const out: number[] = []
  for (const id of excludedIds) {
    const p = positionOf(w, id)
    if (p >= 0) out.push(p)
  }
  return out.sort((a, b) => a - b)
}

/** Number of visible members (window size minus excluded members). */
export function visibleCount(w: Window, excludedIds: readonly number[]): number {
  return w.size - excludedPositions(w, excludedIds).length
}

/**
 * Ids of visible members ranked [skip, skip+limit), sorted by id, plus the work done (positions
 * examined), which tests use to prove paging never walks the whole segment.
 */
export function pageIds(
  w: Window,
  excludedIds: readonly number[],
  skip: number,
  limit: number
): { ids: number[]; total: number; work: number } {
  const ex = excludedPositions(w, excludedIds)
  const total = w.size - ex.length
  let p = skip
  let e = 0
  while (e < ex.length && ex[e]! <= p) {
    p++
    e++
  }
  const ids: number[] = []
  let work = ex.length
  while (ids.length < limit && p < w.size) {
    work++
    if (e < ex.length && ex[e] === p) e++
    else ids.push(idAt(w, p))
    p++
  }
  return { ids, total, work }
}

/** Who leaves and who joins when a window moves: candidate index ranges (circular). */
export interface Recalc {
  removeFrom: number
  removeCount: number
  addFrom: number
  addCount: number
  next: Window
}

/**
 * Drops the `remove` oldest members and admits `add` new candidates after the window's end.
 * Clamped so a window never covers a candidate twice.
 */
export function recalc(w: Window, remove: number, add: number): Recalc {
  const removeCount = Math.max(0, Math.min(remove, w.size))
  const room = w.cap - w.size
  const addCount = Math.max(0, Math.min(add, room))
  const addFrom = (w.lo + w.size) % Math.max(w.cap, 1)
  const removeFrom = w.lo
  const next: Window = {
    ...w,
    lo: w.cap === 0 ? 0 : (w.lo + removeCount) % w.cap,
    size: w.size - removeCount + addCount,
  }
  return { removeFrom, removeCount, addFrom, addCount, next }
}
