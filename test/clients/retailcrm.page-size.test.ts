/**
 * Page size of `limit: 'auto'` history reads: 250 while the CRM serves it, 100 (remembered) after a
 * 400 that 100 does not repeat, or after an answer whose pages do not line up; and `pagesLineUp`.
 */
import { describe, expect, it } from 'vitest'
import {
  createRetailCrmClient,
  type PagedEndpoint,
  type PageSizeMemory,
  pagesLineUp,
} from '../../src/clients/retailcrm'
import { outbound } from '../support/outbound'

const CRM = 'https://paging.retailcrm.ru'

/** A memory in a map, recording each refusal. */
function memory(start: Partial<Record<PagedEndpoint, 100 | 250>> = {}) {
  const sizes: Record<PagedEndpoint, 100 | 250> = { customers: 250, history: 250, ...start }
  const refusals: PagedEndpoint[] = []
  const m: PageSizeMemory = {
    limit: (e) => sizes[e],
    refused: async (e) => {
      refusals.push(e)
      sizes[e] = 100
    },
  }
  return { m, sizes, refusals }
}

/** A CRM with `total` history entries (ids 1..total) that serves `serve(limit)` per page. */
function historyCrm(total: number, serve: (asked: number) => number | 'refuse') {
  const asked: number[] = []
  outbound.route(CRM, (req) => {
    const url = new URL(req.url)
    const limit = Number(url.searchParams.get('limit'))
    const page = Number(url.searchParams.get('page'))
    asked.push(limit)
    const size = serve(limit)
    if (size === 'refuse')
      return Response.json(
        { success: false, errorMsg: 'Validation error', errors: { limit: 'not a valid choice' } },
        { status: 400 }
      )
    const since = Number(url.searchParams.get('filter[sinceId]') ?? 0)
    const left = Math.max(0, total - since)
    const from = since + (page - 1) * size
    const n = Math.max(0, Math.min(size, total - from))
    return Response.json({
      success: true,
      pagination: {
        limit: size,
        totalCount: left,
        currentPage: page,
        totalPageCount: Math.ceil(left / size),
      },
      history: Array.from({ length: n }, (_, i) => ({ id: from + i + 1 })),
    })
  })
  return asked
}

const client = (m?: PageSizeMemory) =>
  createRetailCrmClient({ systemUrl: CRM, apiKey: 'K', pageSizes: m })

describe("customersHistory({ limit: 'auto' })", () => {
  it('reads 250 entries a page where the CRM serves 250, and records nothing', async () => {
    const asked = historyCrm(600, () => 250)
    const mem = memory()
    const res = await client(mem.m).customersHistory({ sinceId: 0, limit: 'auto' })
    expect(res.history).toHaveLength(250)
    expect(res.pagination.limit).toBe(250)
    expect(asked).toEqual([250])
    expect(mem.refusals).toEqual([])
  })

  it('after a 400 to 250 asks 100, uses that answer and remembers 100', async () => {
    const asked = historyCrm(600, (l) => (l === 250 ? 'refuse' : l))
    const mem = memory()
    const c = client(mem.m)
    const first = await c.customersHistory({ sinceId: 0, limit: 'auto' })
    expect(first.history.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(mem.refusals).toEqual(['history'])
    await c.customersHistory({ sinceId: 100, limit: 'auto' })
    expect(asked).toEqual([250, 100, 100]) // the refusal costs one call, once
  })

  it('keeps a 400 that 100 repeats as the error, and remembers nothing', async () => {
    historyCrm(600, () => 'refuse')
    const mem = memory()
    const err = await client(mem.m)
      .customersHistory({ sinceId: 0, limit: 'auto' })
      .catch((e) => e)
    expect(err.status).toBe(400)
    expect(mem.refusals).toEqual([])
    expect(mem.sizes.history).toBe(250)
  })

  it('asks again at 100 when the CRM answers 250 with a page of 100', async () => {
    const asked = historyCrm(600, () => 100)
    const mem = memory()
    const res = await client(mem.m).customersHistory({ sinceId: 0, page: 1, limit: 'auto' })
    expect(res.pagination.limit).toBe(100)
    expect(res.history).toHaveLength(100)
    expect(asked).toEqual([250, 100])
    expect(mem.refusals).toEqual(['history'])
  })

  it('asks 100 only, once the memory says so, and without a memory', async () => {
    const asked = historyCrm(600, () => 100)
    await client(memory({ history: 100 }).m).customersHistory({ limit: 'auto' })
    await client().customersHistory({ limit: 'auto' })
    expect(asked).toEqual([100, 100])
  })
})

describe('pagesLineUp', () => {
  const p = (limit: number, totalCount: number, currentPage: number, totalPageCount?: number) => ({
    limit,
    totalCount,
    currentPage,
    totalPageCount: totalPageCount ?? Math.ceil(totalCount / limit),
  })
  it('accepts the page asked for at the size asked for', () => {
    expect(pagesLineUp(p(250, 600, 1), 1, 250, 250)).toBe(true)
    expect(pagesLineUp(p(250, 600, 3), 3, 250, 100)).toBe(true) // the short last page
    expect(pagesLineUp(p(250, 0, 1), 1, 250, 0)).toBe(true)
    expect(pagesLineUp(p(250, 0, 1, 1), 1, 250, 0)).toBe(true) // an empty answer's one page
  })
  it('refuses another size, another page, a short middle page or a page count off the total', () => {
    expect(pagesLineUp(p(100, 600, 1), 1, 250, 100)).toBe(false)
    expect(pagesLineUp(p(250, 600, 2), 1, 250, 250)).toBe(false)
    expect(pagesLineUp(p(250, 600, 1), 1, 250, 100)).toBe(false)
    expect(pagesLineUp(p(250, 600, 1, 6), 1, 250, 250)).toBe(false)
    expect(pagesLineUp(p(250, 600, 1), 1, 250, 251)).toBe(false)
    expect(pagesLineUp(p(250, 1, 1, 2), 1, 250, 1)).toBe(false)
  })
})
