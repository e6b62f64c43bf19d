import { beforeEach, describe, expect, it } from 'vitest'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

let crm: RetailCrmSandbox
let key: string

interface Page<T> {
  success: boolean
  pagination: { limit: number; totalCount: number; currentPage: number; totalPageCount: number }
  segments: T[]
  customers: T[]
}
interface Seg {
  id: number
  code: string
  name: string
  isDynamic: boolean
  customersCount: number
  active: boolean
  createdAt: string
}
interface Cust {
  id: number
  email?: string
  firstName: string
  lastName: string
  segments: { code: string }[]
  emailMarketingUnsubscribedAt?: string
  customerSubscriptions: { subscription: { channel: string }; subscribed: boolean }[]
}

async function get<T>(path: string): Promise<Page<T>> {
  crm.clock.advance(150)
  const res = await fetch(`${crm.origin}/api/v5/${path}`, { headers: { 'X-API-KEY': key } })
  expect(res.status, path).toBe(200)
  return (await res.json()) as Page<T>
}

beforeEach(async () => {
  crm = await installRetailCrm()
  key = await crm.issueKey()
})

describe('GET /api/v5/segments', () => {
  it('lists the demo segments of about 100, 5,000 and 60,000 customers', async () => {
    const page = await get<Seg>('segments?limit=100')
    const counts = Object.fromEntries(page.segments.map((s) => [s.code, s.customersCount]))
    expect(counts['novye-pokupateli']).toBe(100)
    expect(counts.postoyannye).toBe(5000)
    expect(counts.podpischiki).toBe(60_000)
    expect(page.pagination).toEqual({
      limit: 100,
      totalCount: 6,
      currentPage: 1,
      totalPageCount: 1,
    })
    expect(page.segments[0]).toEqual({
      id: 1,
      code: 'novye-pokupateli',
      name: 'Новые покупатели',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      isDynamic: true,
      customersCount: 100,
      active: true,
    })
  })

  it('filters by ids, active, name, type and customer counts', async () => {
    const ids = await get<Seg>('segments?filter[ids][]=2&filter[ids][]=3')
    expect(ids.segments.map((s) => s.id)).toEqual([2, 3])
    const inactive = await get<Seg>('segments?filter[active]=0')
    expect(inactive.segments.map((s) => s.code)).toEqual(['akciya-2023'])
    const byName = await get<Seg>(`segments?filter[name]=${encodeURIComponent('покупател')}`)
    expect(byName.segments.map((s) => s.code)).toEqual(['novye-pokupateli', 'postoyannye'])
    const statics = await get<Seg>('segments?filter[type]=static')
    expect(statics.segments.every((s) => !s.isDynamic)).toBe(true)
    const big = await get<Seg>(
      'segments?filter[minCustomersCount]=5000&filter[maxCustomersCount]=10000'
    )
    expect(big.segments.map((s) => s.code).sort()).toEqual(['moskva', 'postoyannye'])
  })

  it('pages segments', async () => {
    // 6 segments at limit 20 → one page; page 2 is empty but well-formed.
    const p2 = await get<Seg>('segments?page=2')
    expect(p2.segments).toEqual([])
    expect(p2.pagination).toEqual({ limit: 20, totalCount: 6, currentPage: 2, totalPageCount: 1 })
  })
})

describe('GET /api/v5/customers', () => {
  it('pages a segment by its code with a consistent totalCount', async () => {
    const seen: number[] = []
    for (let page = 1; page <= 2; page++) {
      const p = await get<Cust>(`customers?filter[segment]=novye-pokupateli&limit=50&page=${page}`)
      expect(p.pagination).toEqual({
        limit: 50,
        totalCount: 100,
        currentPage: page,
        totalPageCount: 2,
      })
      for (const c of p.customers) {
        expect(c.segments.map((s) => s.code)).toContain('novye-pokupateli')
        seen.push(c.id)
      }
    }
    expect(seen).toHaveLength(100)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen) // ascending ids
    expect(new Set(seen).size).toBe(100)
  })

  it('pages all customers when no segment is given', async () => {
    const p = await get<Cust>('customers?limit=100&page=700')
    expect(p.pagination.totalCount).toBe(70_000)
    expect(p.pagination.totalPageCount).toBe(700)
    expect(p.customers.map((c) => c.id)).toEqual(Array.from({ length: 100 }, (_, i) => 69_901 + i))
  })

  it('filters by ids[] and intersects with the segment', async () => {
    const p = await get<Cust>('customers?filter[ids][]=3&filter[ids][]=4&filter[ids][]=616')
    expect(p.customers.map((c) => c.id)).toEqual([3, 4, 616])
    const inSeg = await get<Cust>(
      'customers?filter[segment]=novye-pokupateli&filter[ids][]=3&filter[ids][]=4&filter[ids][]=616'
    )
    expect(inSeg.customers.map((c) => c.id)).toEqual([3, 616]) // offset 3, stride 613
  })

  it('answers an unknown segment code with an empty list', async () => {
    const p = await get<Cust>('customers?filter[segment]=no-such-segment')
    expect(p.customers).toEqual([])
    expect(p.pagination.totalCount).toBe(0)
  })

  it('serves realistic, messy customer data', async () => {
    const emails: string[] = []
    let unsubscribed = 0
    let subscriptionOff = 0
    let cyrillic = 0
    for (let page = 1; page <= 10; page++) {
      const p = await get<Cust>(`customers?limit=100&page=${page}`)
      for (const c of p.customers) {
        emails.push(c.email ?? '')
        if (c.emailMarketingUnsubscribedAt) unsubscribed++
        if (
          c.customerSubscriptions.some((s) => s.subscription.channel === 'email' && !s.subscribed)
        )
          subscriptionOff++
        if (/[а-я]/i.test(c.firstName)) cyrillic++
      }
    }
    const normalized = emails.map((e) => e.trim().toLowerCase())
    expect(emails.some((e) => e === '')).toBe(true)
    expect(emails.some((e) => e !== e.trim())).toBe(true)
    expect(emails.some((e) => e.trim() !== '' && e !== e.toLowerCase())).toBe(true)
    expect(normalized.some((e) => e !== '' && !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/.test(e))).toBe(true)
    expect(normalized.some((e) => /^(info|admin|sales|support|office)@/.test(e))).toBe(true)
    const nonEmpty = normalized.filter((e) => e !== '')
    expect(new Set(nonEmpty).size).toBeLessThan(nonEmpty.length) // shared emails
    expect(unsubscribed).toBeGreaterThan(0)
    expect(subscriptionOff).toBeGreaterThan(0)
    expect(cyrillic).toBeGreaterThan(300)
    expect(cyrillic).toBeLessThan(1000)
  })
})
