import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, type ScheduleLimits } from '../../src/schedule/config'
import {
  isReconcileDue,
  jitterMs,
  pickFair,
  type ReconcileInput,
  runForMark,
  strongerKind,
} from '../../src/schedule/due'

const HOUR = 3_600_000
const limits: ScheduleLimits = { ...DEFAULT_LIMITS, reconcileJitterMs: 0 }
const base: ReconcileInput = {
  id: 1,
  tenantId: 1,
  mode: 'exact',
  allCustomers: false,
  segmentCode: 'vip',
  segmentIsDynamic: true,
  createdAt: 0,
  lastFullRunCreatedAt: null,
  lastFullRunStatus: null,
}

describe('isReconcileDue', () => {
  it('is due a day after the last full run started, not before', () => {
    const s = { ...base, lastFullRunCreatedAt: 10 * HOUR, lastFullRunStatus: 'done' as const }
    expect(isReconcileDue(s, 34 * HOUR - 1, limits)).toBe(false)
    expect(isReconcileDue(s, 34 * HOUR, limits)).toBe(true)
  })

  it('counts from the sync creation when it never had a full run', () => {
    expect(isReconcileDue({ ...base, createdAt: HOUR }, 25 * HOUR - 1, limits)).toBe(false)
    expect(isReconcileDue({ ...base, createdAt: HOUR }, 25 * HOUR, limits)).toBe(true)
  })

  it('retries a failed full run after failedRetryMs, not every minute', () => {
    const s = { ...base, lastFullRunCreatedAt: 0, lastFullRunStatus: 'failed' as const }
    expect(isReconcileDue(s, limits.failedRetryMs - 1, limits)).toBe(false)
    expect(isReconcileDue(s, limits.failedRetryMs, limits)).toBe(true)
  })

  it('never reconciles static segments; always follows "all customers"', () => {
    expect(isReconcileDue({ ...base, segmentIsDynamic: false }, 1000 * HOUR, limits)).toBe(false)
    const all = { ...base, allCustomers: true, segmentIsDynamic: false, segmentCode: null }
    expect(isReconcileDue(all, 1000 * HOUR, limits)).toBe(true)
  })

  it('spreads reconciles with a deterministic per-shop jitter inside the window', () => {
    const span = 2 * HOUR
    const js = Array.from({ length: 200 }, (_, i) => jitterMs(i + 1, span))
    expect(js.every((j) => j >= 0 && j < span)).toBe(true)
    expect(new Set(js).size).toBeGreaterThan(150)
    expect(jitterMs(42, span)).toBe(jitterMs(42, span))
    const withJitter = { ...limits, reconcileJitterMs: span }
    const due = 24 * HOUR + jitterMs(7, span)
    expect(isReconcileDue({ ...base, tenantId: 7 }, due - 1, withJitter)).toBe(false)
    expect(isReconcileDue({ ...base, tenantId: 7 }, due, withJitter)).toBe(true)
    // Two syncs of one shop whose last full runs started together are due at the same moment.
    for (const id of [3, 4]) {
      const s = {
        ...base,
        id,
        tenantId: 7,
        lastFullRunCreatedAt: 0,
        lastFullRunStatus: 'done' as const,
      }
      expect([isReconcileDue(s, due - 1, withJitter), isReconcileDue(s, due, withJitter)]).toEqual([
        false,
        true,
      ])
    }
  })
})

describe('runForMark', () => {
  const on = { incrementalEnabled: true }
  it('maps marks to triggers and kinds', () => {
    const m = { historyAppliedId: 5, lastRunStatus: 'done' as const }
    expect(runForMark({ ...m, kind: 'reconcile' }, on)).toEqual({
      trigger: 'reconcile',
      kind: 'full',
    })
    expect(runForMark({ ...m, kind: 'full' }, on)).toEqual({ trigger: 'change', kind: 'full' })
    expect(runForMark({ ...m, kind: 'incremental' }, on)).toEqual({
      trigger: 'change',
      kind: 'incremental',
    })
    expect(runForMark({ ...m, kind: null }, on)).toEqual({ trigger: 'schedule', kind: 'full' })
  })

  it('falls back to a full run without a watermark, after a failure, or when disabled', () => {
    expect(
      runForMark({ kind: 'incremental', historyAppliedId: null, lastRunStatus: 'done' }, on).kind
    ).toBe('full')
    expect(
      runForMark({ kind: 'incremental', historyAppliedId: 3, lastRunStatus: 'failed' }, on).kind
    ).toBe('full')
    expect(
      runForMark(
        { kind: 'incremental', historyAppliedId: 3, lastRunStatus: 'done' },
        { incrementalEnabled: false }
      ).kind
    ).toBe('full')
  })

  it('strongerKind only ever upgrades', () => {
    expect(strongerKind(null, 'incremental')).toBe('incremental')
    expect(strongerKind('full', 'incremental')).toBe('full')
    expect(strongerKind('full', 'reconcile')).toBe('reconcile')
  })
})

describe('pickFair', () => {
  it('caps starts per tenant and interleaves tenants, oldest marks first', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ syncId: i + 1, tenantId: 1, nextRunAt: i })),
      { syncId: 100, tenantId: 2, nextRunAt: 50 },
      { syncId: 200, tenantId: 3, nextRunAt: 60 },
    ]
    const picked = pickFair(rows, { ...limits, maxStartsPerTenant: 3, maxStartsPerTick: 100 })
    expect(picked.map((r) => r.syncId)).toEqual([1, 100, 200, 2, 3])
  })

  it('counts full runs on one source once: they share one CRM read', () => {
    const full = { kind: 'full' as const }
    const src = ['segment:a', 'segment:a', 'segment:b', 'segment:a', 'segment:c', 'segment:d', '*']
    const rows = src.map((source, i) => ({
      syncId: i + 1,
      tenantId: 1,
      nextRunAt: i,
      plan: full,
      source,
    }))
    const picked = pickFair(rows, { ...limits, maxStartsPerTenant: 3, maxStartsPerTick: 100 })
    // Sources a, b and c: every run on them (a three times), none on d or all customers.
    expect(picked.map((r) => r.syncId)).toEqual([1, 2, 3, 4, 5])
  })

  it('stops at the per-tick cap with every tenant served first', () => {
    const rows = [
      { syncId: 1, tenantId: 1, nextRunAt: 0 },
      { syncId: 2, tenantId: 1, nextRunAt: 1 },
      { syncId: 3, tenantId: 2, nextRunAt: 2 },
    ]
    const picked = pickFair(rows, { ...limits, maxStartsPerTenant: 5, maxStartsPerTick: 2 })
    expect(picked.map((r) => r.syncId)).toEqual([1, 3])
  })

  it('caps full runs per tenant but starts every incremental one (issue 17)', () => {
    const inc = { kind: 'incremental' as const }
    const full = { kind: 'full' as const }
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({
        syncId: i + 1,
        tenantId: 1,
        nextRunAt: i,
        plan: i < 5 ? full : inc,
      })),
      { syncId: 100, tenantId: 2, nextRunAt: 50, plan: inc },
    ]
    const picked = pickFair(rows, { ...limits, maxStartsPerTenant: 3, maxStartsPerTick: 100 })
    // Three of tenant 1's five full runs, all five of its incremental ones, and tenant 2's.
    expect(picked.map((r) => r.syncId).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 6, 7, 8, 9, 10, 100,
    ])
    expect(picked[1]!.syncId).toBe(100) // still interleaved: tenant 2 is not left for last
    // The per-tick cap still bounds the total.
    const few = pickFair(rows, { ...limits, maxStartsPerTenant: 3, maxStartsPerTick: 4 })
    expect(few).toHaveLength(4)
  })
})
