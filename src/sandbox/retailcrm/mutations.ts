/**
 * Changes a sandbox CRM user (or RetailCRM itself) would make: segment recalculation, email change,
 * opt-out, deletion, merge, a new customer. Each is one db.batch that writes the override or
 * segment window together with its history block(s), so the history always matches the data.
 */
import { generateCustomer } from '../generator'
import { currentEmail } from './customers'
import { appendBlocks, type BlockData } from './history'
import { customerExists, loadOverrides, type Override, type ShopState } from './state'

/** A change the sandbox refuses (unknown customer, static segment...). */
export class SandboxError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string
  ) {
    super(message)
  }
}

/** History ids RETURNed by the inserts of appendBlocks() inside a batch. */
export function firstIds(results: D1Result[]): number[] {
  return results
    .map((r) => (r.results?.[0] as { first_id?: number } | undefined)?.first_id)
    .filter((x): x is number => typeof x === 'number')
}

async function liveOverride(db: D1Database, shop: ShopState, id: number): Promise<Override> {
  if (!customerExists(shop, id) || shop.removed.includes(id)) {
    throw new SandboxError(404, `Customer ${id} not found`)
  }
  return (await loadOverrides(db, shop.code, [id])).get(id) ?? {}
}

async function writeOverride(
  db: D1Database,
  shop: ShopState,
  id: number,
  o: Override,
  blocks: { count: number; data: BlockData }[],
  now: number
): Promise<number[]> {
  const removed = o.deleted || o.combinedTo !== undefined ? 1 : 0
  const res = await db.batch([
    db
      .prepare(
        `INSERT INTO crm_overrides (shop, customer_id, removed, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (shop, customer_id) DO UPDATE SET removed = excluded.removed, data = excluded.data`
      )
      .bind(shop.code, id, removed, JSON.stringify(o)),
    ...appendBlocks(db, shop.code, blocks, now),
  ])
  return firstIds(res)
}

/** Sets a customer's email exactly as given (spaces and case included). */
export async function changeEmail(
  db: D1Database,
  shop: ShopState,
  id: number,
  email: string,
  now: number
) {
  const o = await liveOverride(db, shop, id)
  const old = currentEmail(shop, id, o)
  const ids = await writeOverride(
    db,
    shop,
    id,
    { ...o, email },
    [
      {
        count: 1,
        data: {
          kind: 'email',
          customerId: id,
          old: old === '' ? null : old,
          new: email === '' ? null : email,
        },
      },
    ],
    now
  )
  return { historyIds: ids }
}

/** Sets a customer's first name (with its history record). */
export async function changeFirstName(
  db: D1Database,
  shop: ShopState,
  id: number,
  firstName: string,
  now: number
) {
  const o = await liveOverride(db, shop, id)
  const old = o.firstName ?? generateCustomer(shop, id).firstName
  const data = {
    kind: 'first_name' as const,
    customerId: id,
    old: old || null,
    new: firstName || null,
  }
  const ids = await writeOverride(db, shop, id, { ...o, firstName }, [{ count: 1, data }], now)
  return { historyIds: ids }
}

/** Marks (or unmarks) the customer as opted out of email marketing (emailMarketingUnsubscribedAt). */
export async function setUnsubscribed(
  db: D1Database,
  shop: ShopState,
  id: number,
  unsubscribed: boolean,
  now: number
) {
  const o = await liveOverride(db, shop, id)
  const base = generateCustomer(shop, id).emailMarketingUnsubscribedAt ?? null
  const old = 'unsubscribedAt' in o ? (o.unsubscribedAt ?? null) : base
  const next = unsubscribed ? (old ?? now) : null
  if (old === next) return { historyIds: [] }
  const ids = await writeOverride(
    db,
    shop,
    id,
    { ...o, unsubscribedAt: next },
    [{ count: 1, data: { kind: 'unsubscribed', customerId: id, old, new: next } }],
    now
  )
  return { historyIds: ids }
}

/** Switches the customer's email channel subscription (customerSubscriptions[email].subscribed). */
export async function setEmailSubscription(
  db: D1Database,
  shop: ShopState,
  id: number,
  subscribed: boolean,
  now: number
) {
  const o = await liveOverride(db, shop, id)
  const old = o.emailSubscribed ?? generateCustomer(shop, id).emailSubscribed
  if (old === subscribed) return { historyIds: [] }
  const ids = await writeOverride(
    db,
    shop,
    id,
    { ...o, emailSubscribed: subscribed },
    [{ count: 1, data: { kind: 'subscription', customerId: id, old, new: subscribed } }],
    now
  )
  return { historyIds: ids }
}

/** Deletes a customer: gone from lists and segments; history says `deleted: true`. */
export async function deleteCustomer(db: D1Database, shop: ShopState, id: number, now: number) {
  const o = await liveOverride(db, shop, id)
  const ids = await writeOverride(
    db,
    shop,
    id,
    { ...o, deleted: true },
    [{ count: 1, data: { kind: 'deleted', customerId: id } }],
    now
  )
  return { historyIds: ids }
}

/** Merges customer `from` into `into`: `from` disappears with `combinedTo` = `into`. */
export async function mergeCustomers(
  db: D1Database,
  shop: ShopState,
  from: number,
  into: number,
  now: number
) {
  if (from === into) throw new SandboxError(400, 'Cannot merge a customer into itself')
  await liveOverride(db, shop, into)
  const o = await liveOverride(db, shop, from)
  const ids = await writeOverride(
    db,
    shop,
    from,
    { ...o, combinedTo: into },
    [{ count: 1, data: { kind: 'merged', customerId: from, into } }],
    now
  )
  return { historyIds: ids }
}

/** Adds a customer after the seeded base (generated name; optional email). */
export async function createCustomer(
  db: D1Database,
  shop: ShopState,
  email: string | undefined,
  now: number
) {
  const id = shop.customers + shop.extraCustomers + 1
  const res = await db.batch([
    db
      .prepare('UPDATE crm_shops SET extra_customers = extra_customers + 1 WHERE code = ?')
      .bind(shop.code),
    ...(email !== undefined
      ? [
          db
            .prepare(
              'INSERT OR REPLACE INTO crm_overrides (shop, customer_id, removed, data) VALUES (?, ?, 0, ?)'
            )
            .bind(shop.code, id, JSON.stringify({ email })),
        ]
      : []),
    ...appendBlocks(db, shop.code, [{ count: 1, data: { kind: 'created', fromId: id } }], now),
  ])
  return { id, historyIds: firstIds(res) }
}
