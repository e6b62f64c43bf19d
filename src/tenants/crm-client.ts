/**
 * The RetailCRM client of a tenant: decrypts the stored key (bound to the tenant's row) and builds
 * the API client. The one place the engine, scheduler and UI get a CRM client from, so the key is
 * decrypted only in memory and never logged or returned.
 */
import { createRetailCrmClient, type RetailCrmClientOptions } from '../clients/retailcrm'
import { getConfig } from '../config'
import type { Tenant } from '../db/schema'
import type { Env } from '../env'
import { decryptSecret, importKey, secretAad } from '../lib/crypto'

/** Decrypts a tenant's CRM API key. */
export async function decryptTenantCrmKey(
  env: Env,
  tenant: Pick<Tenant, 'id' | 'crmApiKeyEnc'>
): Promise<string> {
  const key = await importKey(getConfig(env).ENCRYPTION_KEY)
  return decryptSecret(key, tenant.crmApiKeyEnc, secretAad.crmKey(tenant.id))
}

/** Builds the RetailCRM client for a tenant; extra options (limiter, onCall, fetch) pass through. */
export async function getTenantCrmClient(
  env: Env,
  tenant: Pick<Tenant, 'id' | 'crmApiKeyEnc' | 'systemUrl'>,
  opts: Omit<RetailCrmClientOptions, 'systemUrl' | 'apiKey'> = {}
) {
  const apiKey = await decryptTenantCrmKey(env, tenant)
  return createRetailCrmClient({ ...opts, systemUrl: tenant.systemUrl, apiKey })
}
