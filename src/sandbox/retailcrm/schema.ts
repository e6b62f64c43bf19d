/**
 * The sandbox CRM's tables in SANDBOX_DB, created on first use (no drizzle migrations: the sandbox
 * database is shared with the Unisender emulator, and every table here is prefixed `crm_`). A shop is
 * declarative (seed + sizes), so creating one, even with 1,000,000 customers, writes O(1) rows; what
 * changes later (overrides, history blocks, keys, registered modules) is small.
 */
import { DEMO_SHOP, type ShopDefinition, shopRows } from './shops'

const DDL = [
  `CREATE TABLE IF NOT EXISTS crm_shops (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, seed INTEGER NOT NULL, customers INTEGER NOT NULL,
    extra_customers INTEGER NOT NULL DEFAULT 0, site TEXT NOT NULL, quirks INTEGER NOT NULL,
    epoch INTEGER NOT NULL, created_at INTEGER NOT NULL, next_history_id INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crm_segments (
    shop TEXT NOT NULL, id INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
    created_at INTEGER NOT NULL, is_dynamic INTEGER NOT NULL, active INTEGER NOT NULL,
    offset_id INTEGER NOT NULL, stride INTEGER NOT NULL, cap INTEGER NOT NULL, lo INTEGER NOT NULL,
    size INTEGER NOT NULL, generation INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (shop, id))`,
  `CREATE TABLE IF NOT EXISTS crm_overrides (
    shop TEXT NOT NULL, customer_id INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL, PRIMARY KEY (shop, customer_id))`,
  `CREATE TABLE IF NOT EXISTS crm_history (
    shop TEXT NOT NULL, first_id INTEGER NOT NULL, count INTEGER NOT NULL, kind TEXT NOT NULL,
    created_at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (shop, first_id))`,
  `CREATE TABLE IF NOT EXISTS crm_api_keys (
    key TEXT PRIMARY KEY, shop TEXT NOT NULL, scopes TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS crm_integration_modules (
    shop TEXT NOT NULL, code TEXT NOT NULL, api_key TEXT NOT NULL, data TEXT NOT NULL,
    updated_at INTEGER NOT NULL, PRIMARY KEY (shop, code))`,
  `CREATE TABLE IF NOT EXISTS crm_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, shop TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)`,
]

const ready = new WeakMap<D1Database, Promise<void>>()

/** Creates the tables and the seeded demo shop once per database binding (idempotent). */
export function ensureSchema(db: D1Database): Promise<void> {
  let p = ready.get(db)
  if (!p) {
    p = (async () => {
      await db.batch(DDL.map((sql) => db.prepare(sql)))
      await insertShop(db, DEMO_SHOP, DEMO_SHOP.createdAt ?? 0)
    })()
    p.catch(() => ready.delete(db))
    ready.set(db, p)
  }
  return p
}

/** Writes a shop definition (INSERT OR IGNORE: an existing shop code is left as it is). */
export async function insertShop(
  db: D1Database,
  def: ShopDefinition,
  now: number
): Promise<boolean> {
  const rows = shopRows(def, now)
  const res = await db.batch([
    db
      .prepare(
        `INSERT OR IGNORE INTO crm_shops (code, name, seed, customers, site, quirks, epoch, created_at,
         next_history_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
      )
      .bind(
        rows.shop.code,
        rows.shop.name,
        rows.shop.seed,
        rows.shop.customers,
        rows.shop.site,
        rows.shop.quirks ? 1 : 0,
        rows.shop.epoch,
        rows.shop.createdAt,
        rows.historyCount + 1
      ),
    ...rows.segments.map((s) =>
      db
        .prepare(
          `INSERT OR IGNORE INTO crm_segments (shop, id, code, name, created_at, is_dynamic, active,
           offset_id, stride, cap, lo, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .bind(
          def.code,
          s.id,
          s.code,
          s.name,
          s.createdAt,
          s.isDynamic ? 1 : 0,
          s.active ? 1 : 0,
          s.offset,
          s.stride,
          s.cap,
          s.lo,
          s.size
        )
    ),
    // One block stands for the creation records of the whole seeded base.
    ...(rows.historyCount > 0
      ? [
          db
            .prepare(
              `INSERT OR IGNORE INTO crm_history (shop, first_id, count, kind, created_at, data)
               VALUES (?, 1, ?, 'created', ?, ?)`
            )
            .bind(
              def.code,
              rows.historyCount,
              rows.shop.createdAt,
              JSON.stringify({ kind: 'created', fromId: 1 })
            ),
        ]
      : []),
  ])
  return (res[0]?.meta.changes ?? 0) > 0
}
