/** Builders for rows the tests need; each returns the inserted row. */
import { createDb } from '../../src/db/client'
import { runs, syncs, tenants, unisenderAccounts } from '../../src/db/schema'

export function testDb() {
  // Imported lazily so fixture modules do not pull cloudflare:workers into pure unit tests.
  return import('cloudflare:workers').then(({ env }) => createDb(env.DB))
}

let seq = 0

/** Inserts a tenant with placeholder ciphertext (tests that decrypt build their own). */
export async function makeTenant(overrides: Partial<typeof tenants.$inferInsert> = {}) {
  const db = await testDb()
  seq++
  const now = Date.now()
  const [row] = await db
    .insert(tenants)
    .values({
      systemUrl: `https://shop${seq}.retailcrm.ru`,
      crmApiKeyEnc: 'v1.x.x',
      clientIdHash: `hash-${seq}-${Math.random()}`,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    })
    .returning()
  return row!
}

/** Inserts a Unisender account for a tenant. */
export async function makeAccount(
  tenantId: number,
  overrides: Partial<typeof unisenderAccounts.$inferInsert> = {}
) {
  const db = await testDb()
  const now = Date.now()
  const [row] = await db
    .insert(unisenderAccounts)
    .values({
      tenantId,
      login: 'demo',
      apiKeyEnc: 'v1.x.x',
      apiKeyHint: '…abcd',
      createdAt: now,
      updatedAt: now,
      ...overrides,
    })
    .returning()
  return row!
}

/** Inserts a sync (exact mode on a segment by default). */
export async function makeSync(
  tenantId: number,
  accountId: number,
  overrides: Partial<typeof syncs.$inferInsert> = {}
) {
  const db = await testDb()
  const now = Date.now()
  const [row] = await db
    .insert(syncs)
    .values({
      tenantId,
      unisenderAccountId: accountId,
      segmentId: 1,
      segmentCode: 'vip',
      segmentName: 'VIP',
      segmentIsDynamic: true,
      listId: 10,
      listTitle: 'VIP',
      mode: 'exact',
      createdAt: now,
      updatedAt: now,
      ...overrides,
    })
    .returning()
  return row!
}

/** Inserts a run of a sync. */
export async function makeRun(
  tenantId: number,
  syncId: number,
  overrides: Partial<typeof runs.$inferInsert> = {}
) {
  const db = await testDb()
  const [row] = await db
    .insert(runs)
    .values({
      tenantId,
      syncId,
      trigger: 'manual',
      status: 'running',
      createdAt: Date.now(),
      ...overrides,
    })
    .returning()
  return row!
}
