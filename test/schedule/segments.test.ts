import { describe, expect, it } from 'vitest'
import { compareCounts } from '../../src/schedule/segments'

const row = (id: number, segmentId: number, code: string, last: number | null) => ({
  id,
  segmentId,
  segmentCode: code,
  segmentIsDynamic: true,
  lastSeenCustomersCount: last,
  nextRunKind: null,
})
const seg = (id: number, code: string, customersCount: number, isDynamic = true) => ({
  id,
  code,
  customersCount,
  isDynamic,
})

describe('compareCounts', () => {
  it('a moved count without history evidence takes a full run and is stored', () => {
    const v = compareCounts([row(1, 10, 'a', 100)], [seg(10, 'a', 120)], new Set())
    expect(v.full).toEqual([1])
    expect([...v.counts]).toEqual([[1, 120]])
  })

  it('history that showed the segment explains the move: no extra full run', () => {
    const v = compareCounts([row(1, 10, 'a', 100)], [seg(10, 'a', 120)], new Set(['a']))
    expect(v.full).toEqual([])
    // An unrelated mark waiting on the sync is no evidence: the move still takes a full run.
    const marked = { ...row(1, 10, 'a', 100), nextRunKind: 'incremental' as const }
    expect(compareCounts([marked], [seg(10, 'a', 120)], new Set()).full).toEqual([1])
  })

  it('the first sighting only stores the count; an unchanged count does nothing', () => {
    const v = compareCounts(
      [row(1, 10, 'a', null), row(2, 11, 'b', 5)],
      [seg(10, 'a', 7), seg(11, 'b', 5)],
      new Set()
    )
    expect(v.full).toEqual([])
    expect([...v.counts]).toEqual([[1, 7]])
  })

  it('reports segments missing from the CRM and segments that became static', () => {
    const v = compareCounts(
      [row(1, 10, 'a', 1), row(2, 11, 'b', 1)],
      [seg(11, 'b', 1, false)],
      new Set()
    )
    expect(v.missing).toEqual([1])
    expect(v.becameStatic).toEqual([2])
  })
})
