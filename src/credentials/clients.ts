/**
 * The one place API clients are built from stored credentials: a tenant's RetailCRM client and a
 * Unisender account's client. Keys are decrypted here, in memory only, bound to the row they belong
 * to (AES-GCM additional data), and go only to the host stored with them — the tenant's registered
 * systemUrl or the configured Unisender API — never to a log or a browser. The engine, the
 * scheduler and the routes all come here.
 */
import { createRetailCrmClient, type RetailCrmClientOptions } from '../clients/retailcrm'
import { createUnisenderClient, type UnisenderClientOptions } from '../clients/unisender'
import { getConfig } from '../config'
import type { Env } from '../env'
import { decryptSecret, encryptSecret, importKey, secretAad } from '../lib/crypto'
import { type StoredPageSizes, tenantPageSizes } from './page-sizes'

/** What building a client needs from the deployment: the key-encryption key and Unisender's API. */
export interface ClientSettings {
  encryptionKey: string
  unisenderApiUrl: string
  /**
   * Where a tenant's CRM page sizes are remembered (page-sizes.ts); without it a tenant's client
   * reads `limit: 'auto'` pages at 100.
   */
  d1?: D1Database
}

/**
 * A tenant's stored CRM credentials: its registered address and its encrypted key, and (when the
 * caller has the tenant row) the page sizes its CRM was found to serve.
 */
export interface CrmCredentials extends StoredPageSizes {
  id: number
  systemUrl: string
  crmApiKeyEnc: string
}

/** A Unisender account's stored credentials: its encrypted key, bound to tenant and account. */
export interface UnisenderCredentials {
  id: number
  tenantId: number
  apiKeyEnc: string
}

export type CrmClientExtras = Omit<RetailCrmClientOptions, 'systemUrl' | 'apiKey'>
export type UnisenderClientExtras = Omit<UnisenderClientOptions, 'apiUrl' | 'apiKey'>

/** The settings of this deployment, validated by getConfig (a missing variable is named). */
export function clientSettings(env: Env): ClientSettings {
  const config = getConfig(env)
  return {
    encryptionKey: config.ENCRYPTION_KEY,
    unisenderApiUrl: config.UNISENDER_API_URL,
    d1: env.DB,
  }
}

/** Decrypts a tenant's CRM API key (fails if the ciphertext belongs to another tenant). */
export async function decryptCrmKey(
  settings: Pick<ClientSettings, 'encryptionKey'>,
  tenant: Pick<CrmCredentials, 'id' | 'crmApiKeyEnc'>
): Promise<string> {
  const key = await importKey(settings.encryptionKey)
  return decryptSecret(key, tenant.crmApiKeyEnc, secretAad.crmKey(tenant.id))
}

/**
 * The RetailCRM client of a tenant, talking only to its registered systemUrl; with `settings.d1`
 * its `limit: 'auto'` reads use and update the tenant's page sizes (page-sizes.ts).
 */
export async function tenantCrmClient(
  settings: Pick<ClientSettings, 'encryptionKey' | 'd1'>,
  tenant: CrmCredentials,
  extras: CrmClientExtras = {}
) {
  const apiKey = await decryptCrmKey(settings, tenant)
  const pageSizes = settings.d1 ? tenantPageSizes(settings.d1, tenant) : undefined
  return createRetailCrmClient({ pageSizes, ...extras, systemUrl: tenant.systemUrl, apiKey })
}

/** The Unisender client for a key a person just typed (before it is stored). */
export function unisenderClientForKey(
  settings: Pick<ClientSettings, 'unisenderApiUrl'>,
  apiKey: string,
  extras: UnisenderClientExtras = {}
) {
  return createUnisenderClient({ ...extras, apiUrl: settings.unisenderApiUrl, apiKey })
}

/** The Unisender client of a stored account. */
export async function accountUnisenderClient(
  settings: ClientSettings,
  account: UnisenderCredentials,
  extras: UnisenderClientExtras = {}
) {
  const key = await importKey(settings.encryptionKey)
  const apiKey = await decryptSecret(
    key,
    account.apiKeyEnc,
    secretAad.unisenderKey(account.tenantId, account.id)
  )
  return unisenderClientForKey(settings, apiKey, extras)
}

/** Encrypts a Unisender key for storage, bound to its tenant and account row. */
export async function sealUnisenderKey(
  settings: Pick<ClientSettings, 'encryptionKey'>,
  account: Pick<UnisenderCredentials, 'id' | 'tenantId'>,
  apiKey: string
): Promise<string> {
  const key = await importKey(settings.encryptionKey)
  return encryptSecret(key, apiKey, secretAad.unisenderKey(account.tenantId, account.id))
}
