import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import { type IncrementalTarget, planIncremental } from '../../src/sync/incremental'

const cust = (id: number, email: string, segs: string[], o: Partial<Customer> = {}): Customer => ({
  id,
  email,
  segments: segs.map((code) => ({ code })),
  ...o,
})
const target = (mode: IncrementalTarget['mode'], o: Partial<IncrementalTarget> = {}) => ({
  mode,
  allCustomers: false,
  segmentCode: 'vip',
  guardMinCount: 100,
  ...o,
})

describe('planIncremental', () => {
  it('union adds valid members only, never removes', () => {
    const p = planIncremental(
      target('union'),
      [1, 2, 3, 4, 5],
      [
        cust(1, 'A@x.ru ', ['vip']),
        cust(2, 'b@x.ru', ['other']),
        cust(3, 'c@x.ru', ['vip'], { emailMarketingUnsubscribedAt: '2026-11-26 10:00:00' }),
        cust(4, 'not-an-email', ['vip']),
      ]
    )
    expect(p.full).toBeNull()
    expect(p.adds).toEqual(['a@x.ru'])
    expect(p.excludes).toEqual([])
    expect(p.counts).toMatchObject({ skippedOptedOut: 1, invalid: 1, plannedAdd: 1 })
  })

  it('subtraction excludes members (opted out too), ignores the others', () => {
    const p = planIncremental(
      target('subtract'),
      [1, 2, 3],
      [
        cust(1, 'a@x.ru', ['vip']),
        cust(2, 'b@x.ru', ['vip'], { emailMarketingUnsubscribedAt: '2026-11-26 10:00:00' }),
        cust(3, 'c@x.ru', []),
      ]
    )
    expect(p.full).toBeNull()
    expect(p.excludes).toEqual(['a@x.ru', 'b@x.ru'])
    expect(p.adds).toEqual([])
  })

  it('subtraction with as many removals as the guard minimum goes to a full run', () => {
    const ids = [1, 2, 3]
    const cs = ids.map((i) => cust(i, `${i}@x.ru`, ['vip']))
    expect(planIncremental(target('subtract', { guardMinCount: 3 }), ids, cs).full).toMatch(/guard/)
    expect(planIncremental(target('subtract', { guardMinCount: 4 }), ids, cs).full).toBeNull()
  })

  it('exact adds joining members and never removes (removals come with a full mark)', () => {
    const optedOut = cust(3, 'c@x.ru', ['vip'], {
      customerSubscriptions: [{ subscription: { channel: 'email' }, subscribed: false }],
    })
    const p = planIncremental(
      target('exact'),
      [1, 2, 3, 4],
      [cust(1, 'a@x.ru', ['vip']), cust(2, 'b@x.ru', []), optedOut]
    )
    expect(p.full).toBeNull()
    expect(p.adds).toEqual(['a@x.ru'])
    expect(p.excludes).toEqual([])
    expect(p.counts).toMatchObject({ skippedOptedOut: 1, plannedRemove: 0 })
  })

  it('"all customers" counts every existing customer as a member', () => {
    const p = planIncremental(
      target('union', { allCustomers: true, segmentCode: null }),
      [1, 2],
      [cust(1, 'a@x.ru', []), cust(2, 'a@x.ru', [])]
    )
    expect(p.adds).toEqual(['a@x.ru'])
    expect(p.counts.duplicates).toBe(1)
  })
})
