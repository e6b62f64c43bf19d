import { describe, expect, it } from 'vitest'
import {
  idAt,
  pageIds,
  positionOf,
  recalc,
  type Window,
} from '../../../src/sandbox/retailcrm/membership'

/** Brute-force membership for cross-checking the arithmetic. */
function members(w: Window): number[] {
  const out: number[] = []
  for (let t = 0; t < w.size; t++) out.push(w.offset + ((w.lo + t) % w.cap) * w.stride)
  return out.sort((a, b) => a - b)
}

describe('segment windows', () => {
  const windows: Window[] = [
    { offset: 1, stride: 1, cap: 50, lo: 0, size: 50 },
    { offset: 3, stride: 7, cap: 40, lo: 5, size: 20 },
    { offset: 3, stride: 7, cap: 40, lo: 30, size: 20 }, // wraps around
  ]

  it('maps positions to ids and back, sorted by id, also when wrapping', () => {
    for (const w of windows) {
      const ids = members(w)
      expect(ids.map((_, p) => idAt(w, p))).toEqual(ids)
      expect(ids.map((id) => positionOf(w, id))).toEqual(ids.map((_, p) => p))
      expect(positionOf(w, ids[0]! + 1)).toBe(w.stride === 1 && w.size === w.cap ? 1 : -1)
    }
  })

  it('pages around excluded (deleted) members', () => {
    const w = windows[2]!
    const all = members(w)
    const excluded = [all[0]!, all[5]!, all[6]!, 9999]
    const visible = all.filter((id) => !excluded.includes(id))
    for (const limit of [1, 3, 7]) {
      const got: number[] = []
      for (let skip = 0; skip < visible.length; skip += limit) {
        const p = pageIds(w, excluded, skip, limit)
        expect(p.total).toBe(visible.length)
        got.push(...p.ids)
      }
      expect(got).toEqual(visible)
    }
  })

  it('recalculates by sliding: removed and added members are exactly the difference', () => {
    const w = windows[1]!
    const r = recalc(w, 3, 4)
    const before = new Set(members(w))
    const after = new Set(members(r.next))
    const gone = [...before].filter((id) => !after.has(id))
    const joined = [...after].filter((id) => !before.has(id))
    expect(gone).toHaveLength(3)
    expect(joined).toHaveLength(4)
    expect(r.next.size).toBe(21)
    const r2 = recalc(w, 0, 1000)
    expect(r2.addCount).toBe(20) // clamped to free candidates
  })
})
