/**
 * A tenant wired the production way (encrypted CRM key in D1, systemUrl = a sandbox shop), for
 * tests that go through the Worker's own scheduled() and queue() entry points.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { tenants } from '../../src/db/schema'
import { encryptSecret, importKey, secretAad } from '../../src/lib/crypto'
import { makeAccount, makeSync, makeTenant, testDb } from '../support/fixtures'
import { installRetailCrm } from '../support/sandbox-retailcrm'
import { shopDef } from './setup'

let n = 0

export async function productionTenant() {
  n++
  const code = `wired${n}-${Math.floor(Math.random() * 1e6)}`
  const crm = await installRetailCrm({
    origin: `https://${code}.retailcrm.ru`,
    shop: shopDef(code),
  })
  const apiKey = await crm.issueKey()
  const db = await testDb()
  await db.update(tenants).set({ active: false })
  const tenant = await makeTenant({ systemUrl: crm.systemUrl })
  const key = await importKey(env.ENCRYPTION_KEY!)
  await db
    .update(tenants)
    .set({ crmApiKeyEnc: await encryptSecret(key, apiKey, secretAad.crmKey(tenant.id)) })
    .where(eq(tenants.id, tenant.id))
  const account = await makeAccount(tenant.id)
  const dyn = await makeSync(tenant.id, account.id, {
    segmentId: 1,
    segmentCode: 'dyn',
    segmentIsDynamic: true,
    createdAt: Date.now(),
  })
  const tenantRow = async () =>
    (await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]!
  return { crm, db, tenant, dyn, tenantRow }
}
