/**
 * Customers and segments as the RetailCRM API v5 returns them: the generated customer, its overrides
 * and its segment memberships (computed, O(number of segments)), in the real field names. Also the
 * paging of "all customers" and of one segment, which costs O(page size + removed customers).
 */
import { generateCustomer } from '../generator'
import { formatCrmDate } from './dates'
import { pageIds, positionOf, visibleCount, type Window } from './membership'
import { allCustomersWindow, type Override, type SegmentState, type ShopState } from './state'

/** Counts the generator calls, so tests can prove that paging never walks a whole segment. */
export interface EmulatorStats {
  customersBuilt: number
  positionsExamined: number
  /** API calls per `METHOD /api/path` (ids in paths replaced by {code}), refused ones included. */
  calls: Record<string, number>
  /** Calls answered with an error before reaching a route: auth, rate limit, injected fault. */
  refused: { auth: number; rateLimit: number; fault: number }
}

export function newStats(): EmulatorStats {
  return {
    customersBuilt: 0,
    positionsExamined: 0,
    calls: {},
    refused: { auth: 0, rateLimit: 0, fault: 0 },
  }
}

export function segmentWindow(s: SegmentState): Window {
  return { offset: s.offset, stride: s.stride, cap: s.cap, lo: s.lo, size: s.size }
}

/** The Segment entity (api-client-php Model/Entity/Customers/Segment.php fields). */
export function segmentJson(shop: ShopState, s: SegmentState) {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    createdAt: formatCrmDate(s.createdAt),
    isDynamic: s.isDynamic,
    customersCount: visibleCount(segmentWindow(s), shop.removed),
    active: s.active,
  }
}

export type SegmentJson = ReturnType<typeof segmentJson>

const EMAIL_SUBSCRIPTION = {
  id: 1,
  channel: 'email',
  name: 'Email-рассылки',
  code: 'default_marketing',
  active: true,
  autoSubscribe: true,
  ordering: 1,
}

/** Current email of a customer (override first), exactly as stored. */
export function currentEmail(shop: ShopState, id: number, o?: Override): string {
  return o?.email ?? generateCustomer(shop, id).email
}

/** Customer stub used in history records that are not creations. */
export function customerStub(shop: ShopState, id: number) {
  const base = generateCustomer(shop, id)
  return { id, ...(base.externalId ? { externalId: base.externalId } : {}), site: shop.site }
}

const LOYALTY = ['bronze', 'silver', 'gold']
const CITIES = ['Москва', 'Казань', 'Самара', 'Пермь']

/** The full Customer entity of customer `id`. `segments` are precomputed per request. */
export function customerJson(
  shop: ShopState,
  id: number,
  o: Override | undefined,
  segments: ReadonlyMap<number, SegmentJson>,
  stats: EmulatorStats
) {
  stats.customersBuilt++
  const base = generateCustomer(shop, id)
  const email = o?.email ?? base.email
  const unsub = o && 'unsubscribedAt' in o ? o.unsubscribedAt : base.emailMarketingUnsubscribedAt
  const subscribed = o?.emailSubscribed ?? base.emailSubscribed
  const member = shop.segments
    .filter((s) => positionOf(segmentWindow(s), id) >= 0)
    .map((s) => segments.get(s.id)!)
  return {
    type: 'customer',
    id,
    ...(base.externalId ? { externalId: base.externalId } : {}),
    isContact: false,
    createdAt: formatCrmDate(base.createdAt),
    vip: false,
    bad: false,
    site: shop.site,
    contragent: { contragentType: 'individual' },
    tags: [],
    // Contact-field sources (#15): derived from the id, stable across reads.
    customFields: { loyalty_level: LOYALTY[id % LOYALTY.length] },
    birthday: `19${70 + (id % 30)}-${String(1 + (id % 12)).padStart(2, '0')}-${String(1 + (id % 28)).padStart(2, '0')}`,
    address: { city: CITIES[id % CITIES.length] },
    totalSumm: (id % 50) * 100,
    ordersCount: id % 7,
    firstName: o?.firstName ?? base.firstName,
    lastName: base.lastName,
    // An empty email is sometimes sent as "" and sometimes omitted, as in real payloads.
    ...(email !== '' || id % 2 === 0 ? { email } : {}),
    phones: [{ number: base.phone }],
    ...(unsub ? { emailMarketingUnsubscribedAt: formatCrmDate(unsub) } : {}),
    customerSubscriptions: [{ subscription: EMAIL_SUBSCRIPTION, subscribed }],
    segments: member,
  }
}

export type CustomerJson = ReturnType<typeof customerJson>

/** Segment entities keyed by id, with counts, computed once per request. */
export function segmentsById(shop: ShopState): Map<number, SegmentJson> {
  return new Map(shop.segments.map((s) => [s.id, segmentJson(shop, s)]))
}

/**
 * One page of customer ids: all customers, or the members of one segment, optionally intersected
 * with an explicit id list (filter[ids][]). Sorted by id ascending.
 */
export function customerPage(
  shop: ShopState,
  opts: { segment?: SegmentState; ids?: number[]; page: number; limit: number },
  stats: EmulatorStats
): { ids: number[]; total: number } {
  const w = opts.segment ? segmentWindow(opts.segment) : allCustomersWindow(shop)
  const skip = (opts.page - 1) * opts.limit
  if (opts.ids) {
    const removed = new Set(shop.removed)
    const wanted = [...new Set(opts.ids)]
      .filter((id) => positionOf(w, id) >= 0 && !removed.has(id))
      .sort((a, b) => a - b)
    stats.positionsExamined += opts.ids.length
    return { ids: wanted.slice(skip, skip + opts.limit), total: wanted.length }
  }
  const page = pageIds(w, shop.removed, skip, opts.limit)
  stats.positionsExamined += page.work
  return { ids: page.ids, total: page.total }
}
