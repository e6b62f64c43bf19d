/**
 * The read-once decision (docs/shared-read.md), pure: base once only when ⌈C/P⌉ + 1 is below the
 * pages of one read per distinct source; otherwise several runs of one source share its read. The
 * dispatch's plan needs no subrequest: a group whose base choice needs C leaves it to its leader.
 */
import { describe, expect, it } from 'vitest'
import { planReadGroups, sharedReadStarts } from '../../src/schedule/shared-read'
import { baseReadWins, baseSizeWanted, type RunSource } from '../../src/sync'

const src = (syncId: number, code: string | null, size: number | null): RunSource => ({
  syncId,
  code,
  size,
})

describe('the read-once decision', () => {
  it('reads the base once for large overlapping segments (the doc’s reconnect example)', () => {
    const rows = [
      src(1, 'a', 600_000),
      src(2, 'b', 300_000),
      src(3, 'c', 200_000),
      src(4, 'd', 50_000),
    ]
    expect(baseSizeWanted(rows, 250)).toBe(true)
    // 4,600 pages each vs 4,000 + 1.
    expect(baseReadWins(rows, 250, 1_000_000)).toBe(true)
  })

  it('reads each source when that is cheaper (10 segments of 5%)', () => {
    const rows = Array.from({ length: 10 }, (_, i) => src(i + 1, `s${i}`, 50_000))
    expect(baseReadWins(rows, 250, 1_000_000)).toBe(false)
  })

  it('the call that learns C counts: ⌈C/P⌉ + 1 must be strictly below each-source', () => {
    // 2 + 2 pages each vs ⌈700/250⌉ + 1 = 4: no gain, no base read.
    const rows = [src(1, 'a', 500), src(2, 'b', 500)]
    expect(baseReadWins(rows, 250, 700)).toBe(false)
    expect(baseReadWins(rows, 250, 500)).toBe(true)
  })

  it('an all-customers source among others wins without C; unknown sizes or C never do', () => {
    expect(baseReadWins([src(1, 'a', 10), src(2, null, null)], 250, null)).toBe(true)
    expect(baseSizeWanted([src(1, 'a', 10), src(2, null, null)], 250)).toBe(false)
    expect(baseSizeWanted([src(1, 'a', 600_000), src(2, 'b', null)], 250)).toBe(false)
    expect(baseReadWins([src(1, 'a', 9e5), src(2, 'b', 9e5)], 250, null)).toBe(false)
    expect(baseReadWins([src(1, 'a', 9e5), src(2, 'a', 9e5)], 250, 9e5)).toBe(false)
  })
})

describe('the dispatch plan', () => {
  it('leaves the base choice to the leader when it needs C, the most common source leading', () => {
    const rows = [src(1, 'b', 300_000), src(2, 'a', 600_000), src(3, 'a', 600_000)]
    expect(planReadGroups(rows)).toEqual([{ base: null, syncIds: [2, 3, 1] }])
  })

  it('groups several syncs of one source, never for the base', () => {
    const rows = [src(1, 'a', 300_000), src(2, 'a', 300_000), src(3, 'b', 10), src(4, 'a', 1)]
    expect(planReadGroups(rows)).toEqual([{ base: false, syncIds: [1, 2, 4] }])
  })

  it('groups small segments only by source (the base cannot win: 1 + 1 pages)', () => {
    const rows = [src(1, 'a', 200), src(2, 'b', 200), src(3, 'b', 200)]
    expect(planReadGroups(rows)).toEqual([{ base: false, syncIds: [2, 3] }])
  })

  it('reads the base with an all-customers sync among others', () => {
    expect(planReadGroups([src(1, 'a', 10), src(2, null, null)])).toEqual([
      { base: true, syncIds: [1, 2] },
    ])
  })

  it('groups hold at most 8 runs', () => {
    const rows = Array.from({ length: 11 }, (_, i) => src(i + 1, 'a', 1000))
    expect(planReadGroups(rows)).toEqual([
      { base: false, syncIds: [1, 2, 3, 4, 5, 6, 7, 8] },
      { base: false, syncIds: [9, 10, 11] },
    ])
  })

  it('starts a group’s runs together, its leader first, other runs in their order', () => {
    const c = (syncId: number, tenantId: number, code: string, full = true) => ({
      syncId,
      tenantId,
      full,
      allCustomers: false,
      segmentCode: code,
      lastSeenCustomersCount: 100,
    })
    const { order, roles } = sharedReadStarts([
      c(1, 1, 'x'),
      c(2, 2, 'a'),
      c(3, 1, 'a', false),
      c(4, 2, 'a'),
      c(5, 1, 'y'),
    ])
    expect(order).toEqual([1, 2, 4, 3, 5])
    expect(roles).toEqual(
      new Map([
        [2, { group: 0, base: false }],
        [4, { group: 0, base: false }],
      ])
    )
  })
})
