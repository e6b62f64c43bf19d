/**
 * Tenants (connected CRM accounts): lookups by clientId and systemUrl, the marketplace activity
 * state, and the "broken connection" mark. Owns the columns active, frozen, broken_reason, locale.
 * A tenant is *live* — its syncs run — only when the CRM says it is active and not frozen and its
 * key is not known to be broken; the scheduler skips every other tenant, and nothing is deleted.
 */
import { eq, sql } from 'drizzle-orm'
import { sha256Hex } from '../../lib/crypto'
import type { Db } from '../client'
import { type Tenant, tenants } from '../schema'

/** True when the tenant's syncs may run (marketplace active, not frozen, key not broken). */
export function isTenantLive(t: Pick<Tenant, 'active' | 'frozen' | 'brokenReason'>): boolean {
  return t.active && !t.frozen && !t.brokenReason
}

/** The tenant with this id, or null. */
export async function getTenant(db: Db, id: number): Promise<Tenant | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id)).limit(1)
  return row ?? null
}

/** The tenant a clientId belongs to (looked up by its SHA-256), or null. */
export async function findTenantByClientId(db: Db, clientId: string): Promise<Tenant | null> {
  const hash = await sha256Hex(clientId)
  const [row] = await db.select().from(tenants).where(eq(tenants.clientIdHash, hash)).limit(1)
  return row ?? null
}

/** The tenant connected from this (normalised) CRM URL, or null. */
export async function findTenantBySystemUrl(db: Db, systemUrl: string): Promise<Tenant | null> {
  const [row] = await db.select().from(tenants).where(eq(tenants.systemUrl, systemUrl)).limit(1)
  return row ?? null
}

/**
 * The id a new tenant will get. The CRM key's ciphertext is bound to the row id (AAD), and D1 has
 * no transactions, so the id is chosen before the single INSERT that creates the complete row; a
 * concurrent insert that took the id makes that INSERT fail (primary key) and leaves nothing behind.
 */
export async function nextTenantId(db: Db): Promise<number> {
  const [row] = await db.select({ max: sql<number | null>`max(${tenants.id})` }).from(tenants)
  return (row?.max ?? 0) + 1
}

/**
 * Marks the CRM connection broken (RetailCRM answered 401/403 to our key): the tenant stops being
 * live until a reconnect clears the mark. `reason` is shown to the user as is, so make it readable.
 * Called by the sync engine and the scheduler.
 */
export async function markTenantBroken(
  db: Db,
  tenantId: number,
  reason: string,
  now: number
): Promise<void> {
  await db
    .update(tenants)
    .set({ brokenReason: reason.slice(0, 500), updatedAt: now })
    .where(eq(tenants.id, tenantId))
}

/** Stores the CRM's UI locale from the settings callback. */
export async function setTenantLocale(
  db: Db,
  tenantId: number,
  locale: 'ru' | 'en',
  now: number
): Promise<void> {
  await db.update(tenants).set({ locale, updatedAt: now }).where(eq(tenants.id, tenantId))
}

/** Records the CRM's time zone (src/tenants/time-zone.ts). */
export async function setTenantTimeZone(db: Db, tenantId: number, timeZone: string): Promise<void> {
  await db.update(tenants).set({ timeZone }).where(eq(tenants.id, tenantId))
}
