import { describe, expect, it } from 'vitest'
import type { HistoryEntry } from '../../src/clients/retailcrm'
import { customersToLookUp, isConsentField, readHistoryPage } from '../../src/schedule/history'

const seg = (id: number, cid: number, code: string, joined: boolean): HistoryEntry => ({
  id,
  source: 'code',
  field: 'segments',
  oldValue: joined ? null : { code },
  newValue: joined ? { code } : null,
  customer: { id: cid },
})

describe('readHistoryPage', () => {
  it('reads membership entries: newValue joins, oldValue leaves', () => {
    const f = readHistoryPage([seg(10, 1, 'vip', true), seg(11, 2, 'vip', false)])
    expect(f.membership).toEqual([
      { customerId: 1, historyId: 10, code: 'vip', joined: true },
      { customerId: 2, historyId: 11, code: 'vip', joined: false },
    ])
    expect(f.maxId).toBe(11)
    expect([...f.touched]).toEqual([
      [1, 10],
      [2, 11],
    ])
  })

  it('classifies email, consent, creation, deletion and merge entries', () => {
    const f = readHistoryPage([
      { id: 20, field: 'email', oldValue: 'a@x.ru', newValue: 'b@x.ru', customer: { id: 3 } },
      {
        id: 21,
        field: 'email_marketing_unsubscribed_at',
        oldValue: null,
        newValue: '2026-11-26 12:00:00',
        customer: { id: 4 },
      },
      { id: 22, field: 'customer_subscriptions', customer: { id: 5 } },
      { id: 23, created: true, field: 'id', customer: { id: 6 } },
      { id: 24, deleted: true, field: 'id', customer: { id: 7 } },
      { id: 25, deleted: true, field: 'id', customer: { id: 8 }, combinedTo: { id: 9 } },
      { id: 26, field: 'first_name', customer: { id: 10 } },
    ])
    expect([...f.emailChanged]).toEqual([3])
    expect([...f.consentChanged]).toEqual([4, 5])
    expect([...f.created]).toEqual([6])
    expect([...f.gone].sort()).toEqual([7, 8])
    expect([...f.mergeTargets]).toEqual([9])
    // A name change cannot move an email in or out of a list: not recorded.
    expect(f.touched.has(10)).toBe(false)
    expect(f.maxId).toBe(26)
    expect(customersToLookUp(f)).toEqual([3, 4, 5, 6, 9])
  })

  it('keeps the newest history id per customer, whatever the entry order', () => {
    const f = readHistoryPage([
      seg(40, 1, 'a', true),
      { id: 30, field: 'email', customer: { id: 1 } },
    ])
    expect(f.touched.get(1)).toBe(40)
    expect(f.maxId).toBe(40)
  })

  it('an empty page has no cursor and touches nothing', () => {
    const f = readHistoryPage([])
    expect(f.maxId).toBeNull()
    expect(f.touched.size).toBe(0)
  })

  it('treats subscription-like fields as consent changes', () => {
    expect(isConsentField('email_marketing_unsubscribed_at')).toBe(true)
    expect(isConsentField('customer_subscriptions')).toBe(true)
    expect(isConsentField('phones')).toBe(false)
  })
})
