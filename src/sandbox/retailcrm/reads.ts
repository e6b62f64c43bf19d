/**
 * The read endpoints: `GET /api/v5/segments`, `/customers` and `/customers/history`, with the real
 * filters, paging rules and response shapes (docs/retailcrm.md §2–3).
 */
import type { Context } from 'hono'
import type { CrmEnv, EmulatorDeps } from './context'
import { customerJson, customerPage, customerStub, segmentJson, segmentsById } from './customers'
import { formatCrmDate, parseCrmDate } from './dates'
import { readHistory } from './history'
import { recordCustomerId, recordJson } from './history-records'
import {
  filter,
  idsFilter,
  intFilter,
  ParamError,
  pagination,
  parseLimit,
  parseListLimit,
  parsePage,
} from './params'
import { loadOverrides } from './state'

function dateFilter(url: URL, name: string): number | null {
  const v = filter(url, name)
  if (v === null) return null
  const ms = parseCrmDate(v)
  if (ms === null) throw new ParamError({ [name]: 'This value is not a valid datetime.' })
  return ms
}

/** GET /api/v5/segments: filters ids[], active, name, type, min/maxCustomersCount, dateFrom/To. */
export function segmentsRoute(c: Context<CrmEnv>) {
  const url = new URL(c.req.url)
  const limit = parseLimit(url)
  const page = parsePage(url)
  const shop = c.get('shop')
  const ids = idsFilter(url)
  const active = filter(url, 'active')
  if (active !== null && active !== '0' && active !== '1') {
    throw new ParamError({ active: 'This value is not valid.' })
  }
  const name = filter(url, 'name')?.toLowerCase() ?? null
  // UNCONFIRMED: the allowed values of filter[type]; 'dynamic' and 'static' are accepted.
  const type = filter(url, 'type')
  if (type !== null && type !== 'dynamic' && type !== 'static') {
    throw new ParamError({ type: 'The value you selected is not a valid choice.' })
  }
  const min = intFilter(url, 'minCustomersCount')
  const max = intFilter(url, 'maxCustomersCount')
  const from = dateFilter(url, 'dateFrom')
  const to = dateFilter(url, 'dateTo')
  const all = shop.segments
    .map((s) => ({ s, json: segmentJson(shop, s) }))
    .filter(({ s, json }) => {
      if (ids && !ids.includes(s.id)) return false
      if (active !== null && s.active !== (active === '1')) return false
      if (name !== null && !s.name.toLowerCase().includes(name)) return false
      if (type !== null && s.isDynamic !== (type === 'dynamic')) return false
      if (min !== null && json.customersCount < min) return false
      if (max !== null && json.customersCount > max) return false
      if (from !== null && s.createdAt < from) return false
      if (to !== null && s.createdAt > to) return false
      return true
    })
  const segments = all.slice((page - 1) * limit, page * limit).map((x) => x.json)
  return c.json({ success: true, pagination: pagination(limit, all.length, page), segments })
}

/**
 * GET /api/v5/customers with filter[segment] (segment CODE) and filter[ids][]. Sorted by id
 * ascending (UNCONFIRMED: the real default order is not documented).
 */
export function customersRoute(deps: EmulatorDeps) {
  return async (c: Context<CrmEnv>) => {
    const url = new URL(c.req.url)
    const shop = c.get('shop')
    const limit = parseListLimit(url, deps.faults.get(shop.code).customers250)
    const page = parsePage(url)
    const ids = idsFilter(url) ?? undefined
    const code = filter(url, 'segment')
    const segment = code === null ? undefined : shop.segments.find((s) => s.code === code)
    // UNCONFIRMED: an unknown segment code answers an empty list (never an error), the worst case
    // for a module, which must check that the segment still exists before removing anyone.
    const result =
      code !== null && !segment
        ? { ids: [], total: 0 }
        : customerPage(shop, { segment, ids, page, limit }, deps.stats)
    const overrides = await loadOverrides(c.env.SANDBOX_DB, shop.code, result.ids)
    const segs = segmentsById(shop)
    const customers = result.ids.map((id) =>
      customerJson(shop, id, overrides.get(id), segs, deps.stats)
    )
    return c.json({ success: true, pagination: pagination(limit, result.total, page), customers })
  }
}

/** GET /api/v5/customers/history paged by filter[sinceId] (records ordered by id). */
export function historyRoute(deps: EmulatorDeps) {
  return async (c: Context<CrmEnv>) => {
    const url = new URL(c.req.url)
    const shop = c.get('shop')
    const limit = parseListLimit(url, deps.faults.get(shop.code).history250)
    const page = parsePage(url)
    for (const name of ['customerId', 'customerExternalId']) {
      // The real API has these filters; the sandbox refuses them rather than ignore them silently.
      if (filter(url, name) !== null) {
        throw new ParamError({ [name]: 'This filter is not supported by the sandbox.' })
      }
    }
    const sinceId = intFilter(url, 'sinceId') ?? 0
    const startDate = dateFilter(url, 'startDate') ?? undefined
    const endDate = dateFilter(url, 'endDate') ?? undefined
    const db = c.env.SANDBOX_DB
    const { items, total } = await readHistory(db, shop.code, {
      sinceId,
      startDate,
      endDate,
      skip: (page - 1) * limit,
      limit,
    })
    const createdIds = items
      .filter((i) => i.block.data.kind === 'created')
      .map((i) => recordCustomerId(i.block.data, i.t))
    const overrides = await loadOverrides(db, shop.code, createdIds)
    const segs = segmentsById(shop)
    const stub = (id: number) => customerStub(shop, id)
    const history = items.map((item) => {
      const id = recordCustomerId(item.block.data, item.t)
      const customer =
        item.block.data.kind === 'created'
          ? customerJson(shop, id, overrides.get(id), segs, deps.stats)
          : stub(id)
      return recordJson(item, customer, stub)
    })
    return c.json({
      success: true,
      generatedAt: formatCrmDate(deps.now()),
      history,
      pagination: pagination(limit, total, page),
    })
  }
}
