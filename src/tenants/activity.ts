/**
 * The CRM's activity and settings callbacks (docs/retailcrm.md §1c), authenticated by the clientId only
 * (the CRM signs nothing else). Activity: the tenant is live when active && !freeze; while not live
 * the scheduler skips it (nothing is deleted in Unisender), and on the way back to live a full
 * reconcile is requested (last_reconcile_at = NULL) so changes made meanwhile are applied.
 *
 * A new account address in this unsigned callback is never taken as the tenant's address: anyone who
 * learnt a clientId could otherwise point the module — and the CRM API key it sends with every call —
 * at a host of their choosing. It is kept as *pending* (shown to the shop, used for nothing) until a
 * signed registration from that address confirms the move (src/tenants/connect.ts). Knows nothing of
 * Hono.
 */
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { findTenantByClientId, findTenantBySystemUrl, isTenantLive } from '../db/queries/tenants'
import { tenants } from '../db/schema'
import { log } from '../lib/log'
import { normalizeSystemUrl } from './system-url'

export interface ActivityInput {
  clientId: string
  systemUrl?: string
  active: boolean
  freeze: boolean
}

export type ActivityResult =
  | {
      ok: true
      tenantId: number
      live: boolean
      /** The callback named another valid address: kept pending, nothing is sent there. */
      pendingSystemUrl: string | null
      /** The first pending address since the last registration: tell the shop (once). */
      announceMove: boolean
      systemUrl: string
      locale: string | null
    }
  | { ok: false }

/** Applies an activity callback; `{ ok: false }` for an unknown clientId. */
export async function applyActivity(
  db: Db,
  input: ActivityInput,
  opts: { now: number; allowInsecureLocalhost: boolean }
): Promise<ActivityResult> {
  const tenant = await findTenantByClientId(db, input.clientId)
  if (!tenant) return { ok: false }
  let pending: string | null = null
  if (input.systemUrl) {
    const url = normalizeSystemUrl(input.systemUrl, opts)
    // A URL another tenant already owns is not a move of this one.
    if (url.ok && url.url !== tenant.systemUrl && !(await findTenantBySystemUrl(db, url.url))) {
      pending = url.url
    }
    if (!url.ok) log.warn('activity_url_unusable', { tenant: tenant.id, phase: 'activity' })
  }
  const newPending = pending !== null && pending !== tenant.pendingSystemUrl
  const next = { ...tenant, active: input.active, frozen: input.freeze }
  const resumed = !isTenantLive(tenant) && isTenantLive(next)
  await db
    .update(tenants)
    .set({
      active: input.active,
      frozen: input.freeze,
      // Keys are deleted 30 days after this (src/schedule/retention.ts); switching on clears it.
      deactivatedAt: input.active ? null : (tenant.deactivatedAt ?? opts.now),
      ...(newPending ? { pendingSystemUrl: pending, pendingSystemUrlAt: opts.now } : {}),
      ...(resumed ? { lastReconcileAt: null } : {}),
      updatedAt: opts.now,
    })
    .where(eq(tenants.id, tenant.id))
  return {
    ok: true,
    tenantId: tenant.id,
    live: isTenantLive(next),
    pendingSystemUrl: newPending ? pending : null,
    announceMove: newPending && tenant.pendingSystemUrl === null,
    systemUrl: tenant.systemUrl,
    locale: tenant.locale,
  }
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
