import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../../src/clients/retailcrm'
import { affectedSyncs, effectOf, type SyncTarget } from '../../src/schedule/affected'
import { customersToLookUp, readHistoryPage } from '../../src/schedule/history'

const sync = (id: number, o: Partial<SyncTarget> = {}): SyncTarget => ({
  id,
  mode: 'exact',
  allCustomers: false,
  segmentCode: 'vip',
  segmentIsDynamic: true,
  ...o,
})

function verdicts(
  entries: HistoryEntry[],
  syncs: SyncTarget[],
  segmentsOf: Record<number, string[]>,
  incrementalEnabled = true
) {
  const facts = readHistoryPage(entries)
  const map = new Map(Object.entries(segmentsOf).map(([k, v]) => [Number(k), new Set(v)]))
  return Object.fromEntries(
    affectedSyncs(facts, map, syncs, customersToLookUp(facts), { incrementalEnabled })
  )
}

const joined = (id: number, cid: number, code: string): HistoryEntry => ({
  id,
  field: 'segments',
  newValue: { code },
  oldValue: null,
  customer: { id: cid },
})
const left = (id: number, cid: number, code: string): HistoryEntry => ({
  id,
  field: 'segments',
  oldValue: { code },
  newValue: null,
  customer: { id: cid },
})

describe('affectedSyncs', () => {
  it('maps membership entries to the syncs of that segment code only', () => {
    const v = verdicts(
      [joined(1, 5, 'vip')],
      [sync(1), sync(2, { segmentCode: 'other' }), sync(3, { mode: 'union' })],
      {}
    )
    expect(v).toEqual({ 1: 'incremental', 3: 'incremental' })
  })

  it('a member leaving is incremental in exact mode and nothing in union/subtraction', () => {
    const v = verdicts(
      [left(1, 5, 'vip')],
      [sync(1), sync(2, { mode: 'union' }), sync(3, { mode: 'subtract' })],
      {}
    )
    expect(v).toEqual({ 1: 'incremental' })
  })

  it('email changes and opt-outs affect the syncs whose segment the customer is in now', () => {
    const entries: HistoryEntry[] = [
      { id: 1, field: 'email', customer: { id: 5 } },
      { id: 2, field: 'email_marketing_unsubscribed_at', customer: { id: 6 } },
    ]
    const syncs = [
      sync(1),
      sync(2, { mode: 'union' }),
      sync(3, { segmentCode: 'nobody' }),
      sync(4, { allCustomers: true, segmentCode: null, mode: 'subtract' }),
    ]
    const v = verdicts(entries, syncs, { 5: ['vip'], 6: ['other'] })
    expect(v).toEqual({ 1: 'full', 2: 'incremental', 4: 'incremental' })
  })

  it('new customers reach "all customers" syncs and the segments they are in', () => {
    const v = verdicts(
      [{ id: 1, created: true, customer: { id: 9 } }],
      [sync(1, { allCustomers: true, segmentCode: null }), sync(2), sync(3, { segmentCode: 'x' })],
      { 9: ['vip'] }
    )
    expect(v).toEqual({ 1: 'incremental', 2: 'incremental' })
  })

  it('a deleted or merged-away customer takes a full run of every exact sync', () => {
    const v = verdicts(
      [{ id: 1, deleted: true, customer: { id: 7 }, combinedTo: { id: 8 } }],
      [sync(1), sync(2, { mode: 'union' }), sync(3, { allCustomers: true, segmentCode: null })],
      { 8: ['vip'] }
    )
    // The merge target (8) is in vip: union adds its address; exact syncs must re-read.
    expect(v).toEqual({ 1: 'full', 2: 'incremental', 3: 'full' })
  })

  it('a looked-up customer that no longer exists counts as gone', () => {
    const v = verdicts([{ id: 1, field: 'email', customer: { id: 5 } }], [sync(1)], {})
    expect(v).toEqual({ 1: 'full' })
  })

  it('ignores static segments: they sync once and on demand', () => {
    const v = verdicts(
      [joined(1, 5, 'vip'), { id: 2, deleted: true, customer: { id: 6 } }],
      [sync(1, { segmentIsDynamic: false })],
      {}
    )
    expect(v).toEqual({})
  })

  it('turns every verdict into a full run while incremental runs are disabled', () => {
    const v = verdicts([joined(1, 5, 'vip')], [sync(1, { mode: 'union' })], {}, false)
    expect(v).toEqual({ 1: 'full' })
  })

  it('effectOf: subtraction removes joining members, never re-adds leaving ones', () => {
    expect(effectOf('subtract', 'joined')).toBe('incremental')
    expect(effectOf('subtract', 'left')).toBe('none')
    expect(effectOf('exact', 'consent')).toBe('incremental')
    // The old address of a re-addressed or deleted customer is known only to the list.
    expect(effectOf('exact', 'email')).toBe('full')
    expect(effectOf('exact', 'gone')).toBe('full')
  })
})
