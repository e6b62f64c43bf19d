/**
 * The CRM's activity and settings callbacks (docs/retailcrm.md §1c), authenticated by the clientId only
 * (the CRM signs nothing else). Activity: the tenant is live when active && !freeze; while not live
 * the scheduler skips it (nothing is deleted in Unisender), and on the way back to live a full
 * reconcile is requested (last_reconcile_at = NULL) so changes made meanwhile are applied. A moved
 * account URL is stored when it is a valid CRM address. Knows nothing of Hono.
 */
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { findTenantByClientId, findTenantBySystemUrl, isTenantLive } from '../db/queries/tenants'
import { tenants } from '../db/schema'
import { normalizeSystemUrl } from './system-url'

export interface ActivityInput {
  clientId: string
  systemUrl?: string
  active: boolean
  freeze: boolean
}

export type ActivityResult =
  | { ok: true; tenantId: number; live: boolean; systemUrlChanged: boolean }
  | { ok: false }

/** Applies an activity callback; `{ ok: false }` for an unknown clientId. */
export async function applyActivity(
  db: Db,
  input: ActivityInput,
  opts: { now: number; allowInsecureLocalhost: boolean }
): Promise<ActivityResult> {
  const tenant = await findTenantByClientId(db, input.clientId)
  if (!tenant) return { ok: false }
  let systemUrl: string | undefined
  if (input.systemUrl) {
    const url = normalizeSystemUrl(input.systemUrl, opts)
    // A URL another tenant already owns is not taken over (the unique key would refuse it anyway).
    if (url.ok && url.url !== tenant.systemUrl && !(await findTenantBySystemUrl(db, url.url))) {
      systemUrl = url.url
    }
    if (!url.ok) console.warn(`activity: tenant ${tenant.id} sent an unusable systemUrl; kept`)
  }
  const next = { ...tenant, active: input.active, frozen: input.freeze }
  const resumed = !isTenantLive(tenant) && isTenantLive(next)
  await db
    .update(tenants)
    .set({
      active: input.active,
      frozen: input.freeze,
      ...(systemUrl ? { systemUrl } : {}),
      ...(resumed ? { lastReconcileAt: null } : {}),
      updatedAt: opts.now,
    })
    .where(eq(tenants.id, tenant.id))
  return { ok: true, tenantId: tenant.id, live: isTenantLive(next), systemUrlChanged: !!systemUrl }
}

/**
 * The UI locale in a settings callback: `settings.system_language.value` in the API client's model
 * (api-client-php Entity/Settings), also accepted as a plain string or `locale`. Russian stays
 * Russian; any other language the CRM names gets English (UNCONFIRMED: the exact payload).
 */
export function localeFromSettings(settings: unknown): 'ru' | 'en' | undefined {
  if (!settings || typeof settings !== 'object') return undefined
  const s = settings as Record<string, unknown>
  const candidates = [s.system_language, s.systemLanguage, s.locale, s.language]
  for (const c of candidates) {
    const v =
      typeof c === 'string'
        ? c
        : c && typeof c === 'object' && typeof (c as { value?: unknown }).value === 'string'
          ? (c as { value: string }).value
          : undefined
    if (v && /^[a-z]{2}/i.test(v.trim()))
      return v.trim().toLowerCase().startsWith('ru') ? 'ru' : 'en'
  }
  return undefined
}
