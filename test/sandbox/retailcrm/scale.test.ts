import { describe, expect, it } from 'vitest'
import { cleanEmail, generateCustomer } from '../../../src/sandbox/generator'
import { benchShop } from '../../../src/sandbox/retailcrm/shops'
import { installRetailCrm } from '../../support/sandbox-retailcrm'

describe('the generator', () => {
  it('is deterministic: the same seed and id give the same customer', () => {
    const opts = { seed: 42, quirks: true, epoch: 0 }
    for (const id of [1, 2, 999, 500_000, 1_000_000]) {
      expect(generateCustomer(opts, id)).toEqual(generateCustomer(opts, id))
    }
    expect(generateCustomer(opts, 7)).not.toEqual(generateCustomer({ ...opts, seed: 43 }, 7))
  })

  it('gives clean, unique emails when quirks are off', () => {
    const opts = { seed: 7, quirks: false, epoch: 0 }
    const emails = new Set<string>()
    for (let id = 1; id <= 5000; id++) {
      const e = generateCustomer(opts, id).email
      expect(e).toBe(cleanEmail(7, id))
      expect(e).toMatch(/^[a-z.]+\d+@[a-z.]+$/)
      emails.add(e)
    }
    expect(emails.size).toBe(5000)
  })
})

describe('a 1,000,000-customer shop', () => {
  it('costs O(1) rows to create and O(page) work to page, at page 9,999 of 10,000', async () => {
    const crm = await installRetailCrm({
      origin: 'https://bench.retailcrm.ru',
      shop: benchShop('bench-1m', 1_000_000, 1),
    })
    const rows = await crm.db
      .prepare(
        `SELECT (SELECT count(*) FROM crm_segments WHERE shop = 'bench-1m')
              + (SELECT count(*) FROM crm_shops WHERE code = 'bench-1m')
              + (SELECT count(*) FROM crm_history WHERE shop = 'bench-1m') AS n`
      )
      .first<{ n: number }>()
    expect(rows?.n).toBe(2)
    const key = await crm.issueKey()
    const before = { ...crm.stats }
    const res = await fetch(
      `${crm.origin}/api/v5/customers?filter[segment]=bench&limit=100&page=9999`,
      { headers: { 'X-API-KEY': key } }
    )
    const body = (await res.json()) as {
      pagination: { totalCount: number; totalPageCount: number }
      customers: { id: number; email: string }[]
    }
    expect(body.pagination).toMatchObject({ totalCount: 1_000_000, totalPageCount: 10_000 })
    expect(body.customers.map((c) => c.id)).toEqual(
      Array.from({ length: 100 }, (_, i) => 999_801 + i)
    )
    expect(body.customers[0]?.email).toBe(cleanEmail(7, 999_801))
    expect(crm.stats.customersBuilt - before.customersBuilt).toBe(100)
    expect(crm.stats.positionsExamined - before.positionsExamined).toBe(100)
  })

  it('changes 1 % of a 99 % segment in one recalculation, still paging in O(page)', async () => {
    const crm = await installRetailCrm({
      origin: 'https://bench2.retailcrm.ru',
      shop: benchShop('bench-99', 1_000_000, 0.99),
    })
    const key = await crm.issueKey()
    const r = await crm.recalculate('bench')
    expect(r).toMatchObject({ removed: 9900, added: 9900, size: 990_000 })
    const before = crm.stats.positionsExamined
    const res = await fetch(`${crm.origin}/api/v5/customers?filter[segment]=bench&limit=100`, {
      headers: { 'X-API-KEY': key },
    })
    const body = (await res.json()) as { customers: { id: number }[] }
    expect(body.customers[0]?.id).toBe(9901)
    expect(crm.stats.positionsExamined - before).toBe(100)
    const hist = await fetch(
      `${crm.origin}/api/v5/customers/history?filter[sinceId]=${(r.firstHistoryId ?? 0) + 9898}&limit=20`,
      { headers: { 'X-API-KEY': key } }
    )
    const h = (await hist.json()) as {
      pagination: { totalCount: number }
      history: { customer: { id: number }; newValue: unknown }[]
    }
    expect(h.pagination.totalCount).toBe(9901)
    expect(h.history[0]?.customer.id).toBe(9900)
    expect(h.history[1]).toMatchObject({ customer: { id: 990_001 }, newValue: { code: 'bench' } })
  })
})
