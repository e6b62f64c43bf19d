import { describe, expect, it } from 'vitest'
import { liveHeap, minimumCalls, rateBound, summarize, targets } from '../../bench/lib/report.mjs'

describe('benchmark arithmetic', () => {
  it('bounds a 50,000-email full run by its pages and imports', () => {
    const b = rateBound({ read: 50_000, adds: 50_000, removes: 0 })
    expect(b.pages).toBe(500)
    expect(b.imports).toBe(100)
    expect(b.readS).toBe(50)
    expect(b.writeS).toBe(5)
    expect(b.totalS).toBe(55)
    // export + getTaskResult + 100 imports + getUserInfo, and getLists + createList for a new list
    expect(minimumCalls({ read: 50_000, adds: 50_000, removes: 0 })).toEqual({
      crm: 500,
      unisender: 103,
    })
    expect(minimumCalls({ read: 50_000, adds: 50_000, removes: 0, newList: true }).unisender).toBe(
      105
    )
    expect(minimumCalls({ read: 50_000, adds: 0, removes: 0 }).unisender).toBe(2)
    // after a change: 250 added + 250 removed = 2 imports + the plan check, no export
    expect(
      minimumCalls({ read: 50_000, adds: 250, removes: 250, incremental: true }).unisender
    ).toBe(3)
  })

  it('rounds partial pages and batches up, per side', () => {
    const b = rateBound({ read: 101, adds: 1, removes: 501 })
    expect(b.pages).toBe(2)
    expect(b.imports).toBe(1 + 2)
  })

  it('summarizes invocations: maxima, sums, overlaps, unmeasured CPU left out', () => {
    const s = summarize([
      { kind: 'queue', subrequests: 40, cpuMs: 120, rowsWritten: 10, rowsRead: 5 },
      { kind: 'queue', subrequests: 90, cpuMs: null, rowsWritten: 1, overlapped: true },
      { kind: 'scheduled', subrequests: 3, cpuMs: 4, rowsRead: 7, failed: true },
    ])
    expect(s).toMatchObject({
      invocations: 3,
      queueInvocations: 2,
      cronInvocations: 1,
      overlapped: 1,
      failed: 1,
      subrequestsMax: 90,
      cpuMsMax: 120,
      cpuMsSum: 124,
      rowsWritten: 11,
      rowsRead: 12,
    })
  })

  it('fails a target that is missed and never passes one that was not measured', () => {
    const run = (over: Record<string, unknown>) => ({
      sum: { subrequestsMax: 50, cpuMsMax: 300, rowsWritten: 10 },
      calls: { crm: 500, unisender: 104 },
      min: { crm: 500, unisender: 101 },
      peakRss: 100,
      ...over,
    })
    const v = targets({
      full: run({}),
      second: run({ calls: { crm: 1, unisender: 9 }, changes: 500 }),
      n: 50_000,
    })
    const by = Object.fromEntries(v.map((x) => [x.name, x.verdict]))
    expect(by['every invocation ≤ 100 subrequests']).toBe('PASS')
    expect(by['full run unisender calls ≤ 1.05 × minimum']).toBe('PASS')
    expect(by['second run Unisender calls ≤ ceil(changes/500) + 2']).toBe('FAIL')
    expect(by['D1 rows written by a full 1,000,000 run ≤ 50,000']).toBe('n/a')
    expect(by['memory of the Worker (isolate live heap) at 1,000,000 ≤ 1.2 × at 50,000']).toBe(
      'n/a'
    )
  })

  it('judges the reconcile row as a full run and compares live heaps like with like', () => {
    const row = (over: Record<string, unknown>) => ({
      sum: { subrequestsMax: 50, cpuMsMax: 300, rowsWritten: 10 },
      calls: { crm: 10_000, unisender: 2_005 },
      min: { crm: 10_000, unisender: 2_005 },
      peakRss: 300,
      ...over,
    })
    const v = targets({
      full: row({ peakHeapUsed: 90, peakHeapLive: 9, peakRss: 400 }),
      second: row({ calls: { crm: 100, unisender: 22 }, changes: 10_000, kinds: 'incremental' }),
      reconcile: row({ calls: { crm: 10_000, unisender: 3 }, min: { crm: 10_000, unisender: 2 } }),
      n: 1_000_000,
      baselineRss: 250,
      baselineHeap: 8,
    })
    const by = Object.fromEntries(v.map((x) => [x.name, x.verdict]))
    expect(by['second run Unisender calls ≤ ceil(changes/500) + 2']).toBe('PASS')
    expect(by['reconcile (full run after the change) crm calls ≤ 1.05 × minimum']).toBe('PASS')
    // one poll too many: 3 calls against a minimum of 2
    expect(by['reconcile (full run after the change) unisender calls ≤ 1.05 × minimum']).toBe(
      'FAIL'
    )
    // 9 live vs 8 live passes; the 90 used without a GC is not what is compared
    expect(by['memory of the Worker (isolate live heap) at 1,000,000 ≤ 1.2 × at 50,000']).toBe(
      'PASS'
    )
    // the process RSS (400 vs 250) is reported, never judged PASS
    const rss = v.find((x) => x.name.startsWith('peak RSS'))
    expect(rss?.verdict).toBe('info')
    expect(rss?.detail).toContain('× 1.60')
    const unmeasured = targets({ full: row({}), n: 1_000_000, baselineRss: 250, baselineHeap: 8 })
    expect(unmeasured.find((x) => x.name.startsWith('memory of the Worker'))?.verdict).toBe('n/a')
    // a step peak above the periodic samples is what counts: 10 > 1.2 × 8
    const peaked = targets({
      full: row({ peakHeapLive: 9, peakStepLive: 10 }),
      n: 1_000_000,
      baselineRss: 250,
      baselineHeap: 8,
    })
    expect(peaked.find((x) => x.name.startsWith('memory of the Worker'))?.verdict).toBe('FAIL')
    expect(liveHeap({ peakHeapLive: 9, peakStepLive: 10 })).toBe(10)
    expect(liveHeap({ peakStepLive: null })).toBeNull()
  })
})
