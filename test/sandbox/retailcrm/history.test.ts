import { beforeEach, describe, expect, it } from 'vitest'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

let crm: RetailCrmSandbox
let key: string

interface Rec {
  id: number
  createdAt: string
  created?: boolean
  deleted?: boolean
  source: string
  field: string
  oldValue: unknown
  newValue: unknown
  customer: { id: number; email?: string; site?: string }
  combinedTo?: { id: number }
}
interface HistoryPage {
  success: boolean
  generatedAt: string
  history: Rec[]
  pagination: { limit: number; totalCount: number; currentPage: number; totalPageCount: number }
}

async function history(query: string): Promise<HistoryPage> {
  crm.clock.advance(150)
  const res = await fetch(`${crm.origin}/api/v5/customers/history?${query}`, {
    headers: { 'X-API-KEY': key },
  })
  expect(res.status, query).toBe(200)
  return (await res.json()) as HistoryPage
}

/** Reads every record after sinceId the way a module does: page 1, advance sinceId. */
async function readAllSince(sinceId: number): Promise<Rec[]> {
  const out: Rec[] = []
  let since = sinceId
  for (;;) {
    const p = await history(`filter[sinceId]=${since}&limit=100`)
    if (p.history.length === 0) return out
    out.push(...p.history)
    since = p.history.at(-1)!.id
  }
}

beforeEach(async () => {
  crm = await installRetailCrm()
  key = await crm.issueKey()
})

describe('GET /api/v5/customers/history', () => {
  it('starts with one creation record per seeded customer, full customer inside', async () => {
    const p = await history('limit=20')
    expect(p.pagination).toEqual({
      limit: 20,
      totalCount: 70_000,
      currentPage: 1,
      totalPageCount: 3500,
    })
    expect(p.history.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(p.history[0]).toMatchObject({ created: true, field: 'id', customer: { id: 1 } })
    expect(p.history[0]?.customer).toHaveProperty('firstName')
    expect(p.generatedAt).toBe('2026-11-26 15:00:00')
  })

  it('pages by sinceId and by page within the same filter', async () => {
    const a = await history('filter[sinceId]=69990&limit=20')
    expect(a.history.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => 69_991 + i))
    expect(a.pagination.totalCount).toBe(10)
    const b = await history('filter[sinceId]=100&limit=50&page=3')
    expect(b.history[0]?.id).toBe(201)
  })

  it('records every kind of change, in id order, after the seeded records', async () => {
    await crm.changeEmail(10, 'New.Address@Example.com ')
    await crm.unsubscribe(11)
    await crm.setEmailSubscription(12, false)
    await crm.deleteCustomer(13)
    await crm.merge(14, 15)
    expect((await crm.createCustomer('fresh@example.com')).id).toBe(70_001)
    const recalc = await crm.recalculate('novye-pokupateli', { remove: 2, add: 3 })
    expect(recalc).toMatchObject({ removed: 2, added: 3, size: 101 })

    const recs = await readAllSince(70_000)
    expect(recs.map((r) => r.id)).toEqual(Array.from({ length: 11 }, (_, i) => 70_001 + i))
    const [email, unsub, sub, del, merged, create, ...segs] = recs
    expect(email).toMatchObject({
      field: 'email',
      newValue: 'New.Address@Example.com ',
      customer: { id: 10 },
    })
    expect(unsub).toMatchObject({
      field: 'email_marketing_unsubscribed_at',
      oldValue: null,
      customer: { id: 11 },
    })
    expect(unsub?.newValue).toMatch(/^2026-11-26 \d\d:\d\d:\d\d$/)
    expect(sub).toMatchObject({ field: 'customer_subscriptions', customer: { id: 12 } })
    expect(del).toMatchObject({ deleted: true, customer: { id: 13 } })
    expect(merged).toMatchObject({ deleted: true, customer: { id: 14 }, combinedTo: { id: 15 } })
    expect(create).toMatchObject({
      created: true,
      customer: { id: 70_001, email: 'fresh@example.com' },
    })
    expect(segs).toHaveLength(5)
    const removals = segs.filter((r) => r.oldValue !== null)
    const additions = segs.filter((r) => r.newValue !== null)
    expect(removals.map((r) => r.oldValue)).toEqual([
      { code: 'novye-pokupateli' },
      { code: 'novye-pokupateli' },
    ])
    expect(additions.map((r) => r.newValue)).toEqual(Array(3).fill({ code: 'novye-pokupateli' }))
    for (const r of segs) expect(r).toMatchObject({ source: 'code', field: 'segments' })
    // The first two members (ids 3 and 616) left; the next three candidates joined.
    expect(removals.map((r) => r.customer.id)).toEqual([3, 616])
    expect(additions.map((r) => r.customer.id)).toEqual([
      3 + 613 * 100,
      3 + 613 * 101,
      3 + 613 * 102,
    ])
  })

  it('makes the customer data match the history', async () => {
    await crm.changeEmail(10, 'changed@example.com')
    await crm.deleteCustomer(13)
    await crm.recalculate('novye-pokupateli', { remove: 1, add: 1 })
    crm.clock.advance(1000)
    const res = await fetch(
      `${crm.origin}/api/v5/customers?filter[ids][]=10&filter[ids][]=13&filter[ids][]=3&filter[ids][]=61303`,
      { headers: { 'X-API-KEY': key } }
    )
    const body = (await res.json()) as {
      customers: { id: number; email: string; segments: { code: string }[] }[]
    }
    expect(body.customers.map((c) => c.id)).toEqual([3, 10, 61_303]) // 13 is deleted
    expect(body.customers[1]?.email).toBe('changed@example.com')
    expect(body.customers[0]?.segments.map((s) => s.code)).not.toContain('novye-pokupateli')
    expect(body.customers[2]?.segments.map((s) => s.code)).toContain('novye-pokupateli')
  })

  it('filters by startDate so a module can skip the past', async () => {
    crm.clock.advance(60_000)
    await crm.changeEmail(20, 'later@example.com')
    const p = await history(`filter[startDate]=${encodeURIComponent('2026-11-26 15:00:30')}`)
    expect(p.history.map((r) => r.field)).toEqual(['email'])
  })
})

describe('segment recalculation', () => {
  it('changes dynamic segments and their customersCount; static ones refuse', async () => {
    await crm.recalculate('podpischiki', { remove: 600, add: 0 })
    crm.clock.advance(1000)
    const res = await fetch(`${crm.origin}/api/v5/segments?filter[ids][]=3`, {
      headers: { 'X-API-KEY': key },
    })
    const body = (await res.json()) as { segments: { customersCount: number }[] }
    expect(body.segments[0]?.customersCount).toBe(59_400)
    await expect(crm.recalculate('postoyannye')).rejects.toThrow(/static/)
  })

  it('moves 1 % of the segment by default', async () => {
    const r = await crm.recalculate('podpischiki')
    expect(r).toMatchObject({ removed: 600, added: 600, size: 60_000 })
  })

  it('is reachable through the sandbox control endpoint', async () => {
    const res = await crm.fetch('/sandbox/segments/1/recalculate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ add: 5, remove: 0 }),
    })
    expect(await res.json()).toMatchObject({ success: true, added: 5, size: 105 })
    const bad = await crm.fetch('/sandbox/segments/2/recalculate', { method: 'POST' })
    expect(bad.status).toBe(400)
  })
})
