/**
 * `limit=250` in the emulator (docs/retailcrm.md §3, §7): refused with 400 by default on every
 * endpoint; per shop, /customers and /customers/history may accept it or serve 100 instead.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { installRetailCrm, type RetailCrmSandbox } from '../../support/sandbox-retailcrm'

let crm: RetailCrmSandbox
let key: string

interface Answer {
  success: boolean
  errorMsg?: string
  errors?: Record<string, string>
  pagination?: { limit: number; totalCount: number; currentPage: number; totalPageCount: number }
  customers?: { id: number }[]
  history?: { id: number }[]
}

async function get(path: string): Promise<{ status: number; body: Answer }> {
  crm.clock.advance(150)
  const res = await crm.fetch(`/api/v5/${path}`, { headers: { 'X-API-KEY': key } })
  return { status: res.status, body: (await res.json()) as Answer }
}

beforeEach(async () => {
  crm = await installRetailCrm()
  key = await crm.issueKey()
})

describe('limit=250', () => {
  it('is refused with 400 Validation error by default, on every list endpoint', async () => {
    for (const path of ['customers', 'customers/history', 'segments']) {
      const { status, body } = await get(`${path}?limit=250`)
      expect(status, path).toBe(400)
      expect(body).toMatchObject({ success: false, errorMsg: 'Validation error' })
      expect(body.errors).toHaveProperty('limit')
    }
  })

  it('serves pages of 250 that line up with pages of 100 when a shop accepts it', async () => {
    crm.faults.set({ customers250: 'accept', history250: 'accept' })
    const big = await get('customers?limit=250&page=2')
    expect(big.body.pagination).toMatchObject({ limit: 250, currentPage: 2 })
    const total = big.body.pagination!.totalCount
    expect(big.body.pagination!.totalPageCount).toBe(Math.ceil(total / 250))
    const ids = big.body.customers!.map((c) => c.id)
    const small = [3, 4, 5, 6].map((p) => get(`customers?limit=100&page=${p}`))
    const smallIds = (await Promise.all(small)).flatMap((r) => r.body.customers!.map((c) => c.id))
    expect(ids).toEqual(smallIds.slice(50, 300)) // positions 250..499 both ways
    const h = await get('customers/history?limit=250&filter[sinceId]=0')
    expect(h.body.history).toHaveLength(250)
    expect(h.body.pagination).toMatchObject({ limit: 250, currentPage: 1 })
    // Segments keep the documented sizes only.
    expect((await get('segments?limit=250')).status).toBe(400)
  })

  it('answers 250 with a page of 100 (pagination.limit 100) when a shop clamps it', async () => {
    crm.faults.set({ customers250: 'clamp', history250: 'refuse' })
    const res = await get('customers?limit=250&page=1')
    expect(res.status).toBe(200)
    expect(res.body.pagination!.limit).toBe(100)
    expect(res.body.customers).toHaveLength(100)
    expect((await get('customers/history?limit=250')).status).toBe(400)
  })

  it('is set from the shop page form, whose numbers still parse', async () => {
    const res = await crm.fetch('/sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customers250: 'accept', latencyMs: '0' }),
    })
    expect(await res.json()).toMatchObject({
      faults: { customers250: 'accept', history250: 'refuse', latencyMs: 0 },
    })
    expect((await get('customers?limit=250')).body.pagination!.limit).toBe(250)
  })
})
