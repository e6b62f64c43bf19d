/**
 * API keys of sandbox shops and the integration modules registered with them. Keys are created by
 * the marketplace simulator (with the scopes the module's config asked for), by the shop page and
 * by tests; the emulator checks them on every /api/ call.
 */

export interface ApiKey {
  key: string
  shop: string
  scopes: string[]
}

/** All scopes a sandbox key may hold (names used by official modules; docs/retailcrm.md §4). */
export const ALL_SCOPES = [
  'integration_read',
  'integration_write',
  'customer_read',
  'customer_write',
  'order_read',
  'order_write',
  'reference_read',
  'reference_write',
  'user_read',
  'user_write',
] as const

/** A random 32-character key, like RetailCRM's. */
export function randomKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('')
}

/** Stores a key for a shop with the given scopes; returns the key. */
export async function issueKey(
  db: D1Database,
  shop: string,
  scopes: readonly string[],
  now: number,
  key = randomKey()
): Promise<string> {
  await db
    .prepare(
      'INSERT OR REPLACE INTO crm_api_keys (key, shop, scopes, created_at) VALUES (?, ?, ?, ?)'
    )
    .bind(key, shop, JSON.stringify(scopes), now)
    .run()
  return key
}

/** Deletes a key (the CRM drops the key of a connection that failed). */
export async function revokeKey(db: D1Database, key: string): Promise<void> {
  await db.prepare('DELETE FROM crm_api_keys WHERE key = ?').bind(key).run()
}

/** The key's record, or null when it does not exist. */
export async function findKey(db: D1Database, key: string): Promise<ApiKey | null> {
  const row = await db
    .prepare('SELECT key, shop, scopes FROM crm_api_keys WHERE key = ?')
    .bind(key)
    .first<{ key: string; shop: string; scopes: string }>()
  return row ? { key: row.key, shop: row.shop, scopes: JSON.parse(row.scopes) as string[] } : null
}

/** Stores (upserts) an integration module as `/integration-modules/{code}/edit` received it. */
export async function saveModule(
  db: D1Database,
  shop: string,
  code: string,
  apiKey: string,
  data: Record<string, unknown>,
  now: number
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO crm_integration_modules (shop, code, api_key, data, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (shop, code) DO UPDATE SET api_key = excluded.api_key, data = excluded.data,
       updated_at = excluded.updated_at`
    )
    .bind(shop, code, apiKey, JSON.stringify(data), now)
    .run()
}

export interface StoredModule {
  code: string
  apiKey: string
  data: Record<string, unknown>
}

/** One module of a shop by code. */
export async function getModule(
  db: D1Database,
  shop: string,
  code: string
): Promise<StoredModule | null> {
  const row = await db
    .prepare('SELECT code, api_key, data FROM crm_integration_modules WHERE shop = ? AND code = ?')
    .bind(shop, code)
    .first<{ code: string; api_key: string; data: string }>()
  return row ? { code: row.code, apiKey: row.api_key, data: JSON.parse(row.data) } : null
}

/** All modules registered in a shop (the marketplace page lists them). */
export async function listModules(db: D1Database, shop: string): Promise<StoredModule[]> {
  const { results } = await db
    .prepare('SELECT code, api_key, data FROM crm_integration_modules WHERE shop = ? ORDER BY code')
    .bind(shop)
    .all<{ code: string; api_key: string; data: string }>()
  return results.map((r) => ({ code: r.code, apiKey: r.api_key, data: JSON.parse(r.data) }))
}

/** The module that registered itself with a given key (the marketplace reads its clientId). */
export async function findModuleByKey(
  db: D1Database,
  shop: string,
  apiKey: string
): Promise<StoredModule | null> {
  const row = await db
    .prepare(
      `SELECT code, api_key, data FROM crm_integration_modules WHERE shop = ? AND api_key = ?
       ORDER BY updated_at DESC LIMIT 1`
    )
    .bind(shop, apiKey)
    .first<{ code: string; api_key: string; data: string }>()
  return row ? { code: row.code, apiKey: row.api_key, data: JSON.parse(row.data) } : null
}
