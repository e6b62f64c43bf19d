/**
 * Contact fields (#15) in the scheduler: which history entries change data a sync can map, and
 * which syncs such a change affects (only those mapping the source, as an incremental change).
 */
import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../../src/clients/retailcrm'
import { affectedSyncs, mapsAny, type SyncTarget } from '../../src/schedule/affected'
import {
  ANY_CUSTOM_FIELD,
  customersToLookUp,
  fieldSourcesOf,
  readHistoryPage,
} from '../../src/schedule/history'

const sync = (id: number, o: Partial<SyncTarget> = {}): SyncTarget => ({
  id,
  mode: 'union',
  allCustomers: false,
  segmentCode: 'vip',
  segmentIsDynamic: true,
  ...o,
})

const change = (id: number, cid: number, field: string): HistoryEntry => ({
  id,
  field,
  oldValue: 'a',
  newValue: 'b',
  customer: { id: cid },
})

describe('history fields a sync can map', () => {
  it('names the sources a field change may alter (snake, camel, sub-keys, custom fields)', () => {
    expect(fieldSourcesOf('first_name')).toEqual(['firstName', 'fullName'])
    expect(fieldSourcesOf('firstName')).toEqual(['firstName', 'fullName'])
    expect(fieldSourcesOf('last_name')).toEqual(['lastName', 'fullName'])
    expect(fieldSourcesOf('patronymic')).toEqual(['patronymic', 'fullName'])
    expect(fieldSourcesOf('phones')).toEqual(['phone'])
    expect(fieldSourcesOf('address.city')).toEqual(['city'])
    expect(fieldSourcesOf('birthday')).toEqual(['birthday'])
    expect(fieldSourcesOf('sex')).toEqual(['sex'])
    expect(fieldSourcesOf('tags')).toEqual(['tags'])
    expect(fieldSourcesOf('custom_fields.loyalty_level')).toEqual(['cf:loyalty_level'])
    expect(fieldSourcesOf('customFields.vip')).toEqual(['cf:vip'])
    expect(fieldSourcesOf('custom_fields')).toEqual([ANY_CUSTOM_FIELD])
    for (const f of ['segments', 'email', 'manager_id', 'id', 'email_marketing_unsubscribed_at'])
      expect(fieldSourcesOf(f)).toEqual([])
  })

  it('records field changes apart from the touched customers, with the newest id', () => {
    const facts = readHistoryPage([
      change(5, 1, 'first_name'),
      change(7, 1, 'address.city'),
      change(6, 2, 'manager_id'),
    ])
    expect(facts.touched.size).toBe(0)
    expect(facts.maxId).toBe(7)
    expect([...facts.fieldChanged.keys()]).toEqual([1])
    expect(facts.fieldChanged.get(1)).toEqual({
      sources: new Set(['firstName', 'fullName', 'city']),
      historyId: 7,
    })
  })

  it('affects, incrementally, only syncs mapping the source and holding the customer', () => {
    const facts = readHistoryPage([change(5, 1, 'first_name')])
    const segmentsOf = new Map([[1, new Set(['vip'])]])
    const syncs = [
      sync(1, { fieldSources: ['firstName'] }),
      sync(2, { fieldSources: ['city'] }),
      sync(3),
      sync(4, { fieldSources: ['firstName'], segmentCode: 'other' }),
      sync(5, { fieldSources: ['firstName'], mode: 'subtract' }),
      sync(6, { fieldSources: ['fullName'], mode: 'exact' }),
      sync(7, { fieldSources: ['firstName'], allCustomers: true, segmentCode: null }),
    ]
    const out = affectedSyncs(facts, segmentsOf, syncs, customersToLookUp(facts), {
      incrementalEnabled: true,
    })
    expect(Object.fromEntries(out)).toEqual({
      1: 'incremental',
      6: 'incremental',
      7: 'incremental',
    })
  })

  it('a custom field without a readable code counts for every mapped custom field', () => {
    expect(mapsAny(['cf:vip'], new Set([ANY_CUSTOM_FIELD]))).toBe(true)
    expect(mapsAny(['firstName'], new Set([ANY_CUSTOM_FIELD]))).toBe(false)
    expect(mapsAny(undefined, new Set(['firstName']))).toBe(false)
  })
})
