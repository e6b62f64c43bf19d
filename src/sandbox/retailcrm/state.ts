/**
 * Reads a sandbox shop's state from SANDBOX_DB: the shop row, its segment windows and the (small)
 * sorted list of removed customers, in one round trip; and the per-customer overrides for a page.
 */
import type { Window } from './membership'
import type { SegmentRow } from './shops'

export interface SegmentState extends SegmentRow {
  generation: number
}

export interface ShopState {
  code: string
  name: string
  seed: number
  /** Seeded customers: ids 1..customers. */
  customers: number
  /** Customers created later through the control routes: ids customers+1..customers+extra. */
  extraCustomers: number
  site: string
  quirks: boolean
  epoch: number
  createdAt: number
  segments: SegmentState[]
  /** Deleted or merged-away customer ids, ascending. */
  removed: number[]
}

/** What the control routes changed about one customer; applied over the generated customer. */
export interface Override {
  email?: string
  /** A first name set through the sandbox (contact fields, #15). */
  firstName?: string
  /** Epoch ms, or null when a generated opt-out was withdrawn. */
  unsubscribedAt?: number | null
  emailSubscribed?: boolean
  deleted?: boolean
  combinedTo?: number
}

interface ShopRowDb {
  code: string
  name: string
  seed: number
  customers: number
  extra_customers: number
  site: string
  quirks: number
  epoch: number
  created_at: number
}

interface SegmentRowDb {
  id: number
  code: string
  name: string
  created_at: number
  is_dynamic: number
  active: number
  offset_id: number
  stride: number
  cap: number
  lo: number
  size: number
  generation: number
}

/** The shop with its segments and removed ids, or null when no such shop exists. */
export async function loadShop(db: D1Database, code: string): Promise<ShopState | null> {
  const [shops, segments, removed] = await db.batch([
    db.prepare('SELECT * FROM crm_shops WHERE code = ?').bind(code),
    db.prepare('SELECT * FROM crm_segments WHERE shop = ? ORDER BY id').bind(code),
    db
      .prepare(
        'SELECT customer_id FROM crm_overrides WHERE shop = ? AND removed = 1 ORDER BY customer_id'
      )
      .bind(code),
  ])
  const row = (shops?.results as ShopRowDb[] | undefined)?.[0]
  if (!row) return null
  return {
    code: row.code,
    name: row.name,
    seed: row.seed,
    customers: row.customers,
    extraCustomers: row.extra_customers,
    site: row.site,
    quirks: row.quirks === 1,
    epoch: row.epoch,
    createdAt: row.created_at,
    segments: ((segments?.results ?? []) as SegmentRowDb[]).map((s) => ({
      id: s.id,
      code: s.code,
      name: s.name,
      createdAt: s.created_at,
      isDynamic: s.is_dynamic === 1,
      active: s.active === 1,
      offset: s.offset_id,
      stride: s.stride,
      cap: s.cap,
      lo: s.lo,
      size: s.size,
      generation: s.generation,
    })),
    removed: ((removed?.results ?? []) as { customer_id: number }[]).map((r) => r.customer_id),
  }
}

/** Every customer of the shop, seeded and created, as one window. */
export function allCustomersWindow(shop: ShopState): Window {
  const total = shop.customers + shop.extraCustomers
  return { offset: 1, stride: 1, cap: total, lo: 0, size: total }
}

/** Whether `id` is a customer of the shop at all (removed ones included). */
export function customerExists(shop: ShopState, id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= shop.customers + shop.extraCustomers
}

/** Overrides of the given customers (one statement, one bound JSON parameter for all ids). */
export async function loadOverrides(
  db: D1Database,
  shop: string,
  ids: readonly number[]
): Promise<Map<number, Override>> {
  const out = new Map<number, Override>()
  if (ids.length === 0) return out
  const { results } = await db
    .prepare(
      `SELECT customer_id, data FROM crm_overrides
       WHERE shop = ? AND customer_id IN (SELECT value FROM json_each(?))`
    )
    .bind(shop, JSON.stringify(ids))
    .all<{ customer_id: number; data: string }>()
  for (const r of results) out.set(r.customer_id, JSON.parse(r.data) as Override)
  return out
}
