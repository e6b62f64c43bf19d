/**
 * The "simple connection" (docs/retailcrm.md §1a–1b) after the register token was verified: validate the
 * account URL, check the new key's scopes, register the module in the CRM with a fresh clientId, and
 * only then write the tenant. D1 has no transactions, so the order is what keeps a failure
 * traceless: nothing is written before the CRM accepted /edit, and the write is one statement (new
 * tenant) or one batch (reconnect). A reconnect keeps the tenant — and so its accounts and syncs —
 * replaces the key and clientId, clears a broken mark, ends old sessions and asks the scheduler for a
 * full reconcile (last_reconcile_at = NULL).
 *
 * A registration from an address no tenant has is a *move* when the same CRM key belongs to a tenant
 * (the address its activity callback reported as pending, or any address with the same key hash):
 * the signed request confirms what the unsigned callback could only announce, so the tenant keeps
 * its accounts and syncs and its address becomes the new one. Knows nothing of Hono.
 */
import { eq, or } from 'drizzle-orm'
import { ApiError } from '../clients/errors'
import type { FetchLike } from '../clients/http'
import { createRetailCrmClient, type IntegrationModule } from '../clients/retailcrm'
import type { Config } from '../config'
import type { Db } from '../db/client'
import { deleteTenantSessionsQuery } from '../db/queries/sessions'
import { findTenantBySystemUrl, nextTenantId } from '../db/queries/tenants'
import { type Tenant, tenants } from '../db/schema'
import {
  decryptSecret,
  encryptSecret,
  importKey,
  randomToken,
  secretAad,
  sha256Hex,
} from '../lib/crypto'
import { normalizeSystemUrl } from './system-url'
import { readCrmTimeZone } from './time-zone'

/** The scopes the module asks for in /retailcrm/config and needs on the key. */
export const REQUIRED_SCOPES = ['integration_read', 'integration_write', 'customer_read'] as const

/** The module's name and paths as registered in the CRM. */
export const MODULE_NAME = 'Экспорт сегментов Unisender'
export const LOGIN_PATH = '/retailcrm/login'
export const ACTIONS = { activity: '/retailcrm/activity', settings: '/retailcrm/settings' } as const

export interface ConnectDeps {
  db: Db
  config: Config
  now: () => number
  fetch?: FetchLike
  /** The clientId generator (256 random bits by default); injectable for tests. */
  newClientId?: () => string
}

export type ConnectResult =
  | {
      ok: true
      accountUrl: string
      tenantId: number
      /** connected: a new tenant; reconnected: same address; moved: same key, new address. */
      outcome: 'connected' | 'reconnected' | 'moved'
    }
  /** kind 'input': the request itself is unusable; 'refused': a person has to act (see reason). */
  | { ok: false; kind: 'input' | 'refused'; reason: string }

/** The integration module entity the CRM gets from /edit. */
export function moduleEntity(config: Config, clientId: string): IntegrationModule {
  return {
    code: config.RETAILCRM_MODULE_CODE,
    integrationCode: config.RETAILCRM_MODULE_CODE,
    active: true,
    name: MODULE_NAME,
    logo: `${config.PUBLIC_URL}/static/logo.svg`,
    clientId,
    baseUrl: config.PUBLIC_URL,
    accountUrl: `${config.PUBLIC_URL}${LOGIN_PATH}`,
    actions: { ...ACTIONS },
  }
}

/** Turns a CRM error into a sentence for the person connecting. Never includes the key. */
function crmProblem(step: 'check' | 'edit', err: unknown): string {
  const what = step === 'check' ? 'проверке API-ключа' : 'регистрации модуля в RetailCRM'
  if (err instanceof ApiError) {
    if (err.kind === 'auth') {
      return `RetailCRM отклонил API-ключ при ${what} (HTTP ${err.status ?? err.code}). Нажмите «Подключить» в маркетплейсе ещё раз; если ошибка повторится, проверьте, что модуль не отключён в RetailCRM.`
    }
    if (err.kind === 'retryable') {
      return `RetailCRM не ответил при ${what}: ${err.message}. Попробуйте подключить модуль ещё раз через минуту.`
    }
    return `RetailCRM ответил ошибкой при ${what}: ${err.message}. Попробуйте подключить модуль ещё раз; если ошибка повторится, напишите в поддержку модуля.`
  }
  return `Не удалось выполнить запрос к RetailCRM при ${what}. Попробуйте подключить модуль ещё раз через минуту.`
}

function isUniqueViolation(err: unknown, column: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes('UNIQUE constraint failed') && e.message.includes(column)) return true
    if (column === 'tenants.id' && e.message.includes('PRIMARY KEY')) return true
  }
  return false
}

/** Connects (or reconnects) the CRM account of a verified register request. */
export async function connectTenant(
  deps: ConnectDeps,
  input: { systemUrl: string; apiKey: string }
): Promise<ConnectResult> {
  const { db, config } = deps
  const url = normalizeSystemUrl(input.systemUrl, {
    allowInsecureLocalhost: config.ALLOW_INSECURE_LOCALHOST,
  })
  if (!url.ok) return { ok: false, kind: 'input', reason: url.reason }
  const systemUrl = url.url

  const crm = createRetailCrmClient({
    systemUrl,
    apiKey: input.apiKey,
    fetch: deps.fetch,
    timeoutMs: 15_000,
  })
  let scopes: string[]
  try {
    scopes = (await crm.getCredentials()).scopes
  } catch (err) {
    return { ok: false, kind: 'refused', reason: crmProblem('check', err) }
  }
  const missing = REQUIRED_SCOPES.filter((s) => !scopes.includes(s))
  if (missing.length) {
    return {
      ok: false,
      kind: 'refused',
      reason: `У API-ключа, который создал RetailCRM, нет прав: ${missing.join(', ')}. Модулю нужны права ${REQUIRED_SCOPES.join(', ')}: их разрешают в карточке модуля в партнёрском кабинете RetailCRM. Сообщите об этом в поддержку модуля и подключите модуль снова.`,
    }
  }

  const keyHash = await sha256Hex(input.apiKey)
  const existing = await findTenantBySystemUrl(db, systemUrl)
  const moving = existing ? null : await findMovingTenant(deps, systemUrl, keyHash)
  const clientId = (deps.newClientId ?? (() => randomToken(32)))()
  try {
    await crm.editIntegrationModule(moduleEntity(config, clientId))
  } catch (err) {
    return { ok: false, kind: 'refused', reason: crmProblem('edit', err) }
  }

  // Best effort: without it times are shown in Moscow time, labelled as such.
  const timeZone = await readCrmTimeZone(crm)

  // The CRM accepted the module: now, and only now, write. Should this write itself fail, the CRM
  // holds a clientId we do not know: sign-in fails until the next "Connect", which repairs it.
  const key = await importKey(config.ENCRYPTION_KEY)
  const clientIdHash = await sha256Hex(clientId)
  const now = deps.now()
  const accountUrl = `${config.PUBLIC_URL}${LOGIN_PATH}`
  const retryLater =
    'Модуль зарегистрирован в RetailCRM, но сохранить подключение не удалось. Нажмите «Подключить» ещё раз.'

  const known = existing ?? moving
  if (known) {
    await db.batch([
      db
        .update(tenants)
        .set({
          systemUrl,
          crmApiKeyEnc: await encryptSecret(key, input.apiKey, secretAad.crmKey(known.id)),
          crmKeyHash: keyHash,
          // A signed registration settles the address: a pending move is confirmed or dropped.
          pendingSystemUrl: null,
          pendingSystemUrlAt: null,
          clientIdHash,
          // We just told the CRM active:true. `frozen` is left as the CRM last reported it
          // (UNCONFIRMED whether a reconnect unfreezes; the CRM sends an activity callback if so).
          active: true,
          deactivatedAt: null,
          brokenReason: null,
          lastReconcileAt: null,
          ...(timeZone ? { timeZone } : {}),
          updatedAt: now,
        })
        .where(eq(tenants.id, known.id)),
      deleteTenantSessionsQuery(db, known.id),
    ])
    const outcome = existing ? 'reconnected' : 'moved'
    return { ok: true, accountUrl, tenantId: known.id, outcome }
  }

  for (let attempt = 0; attempt < 3; attempt++) {
    const id = await nextTenantId(db)
    try {
      await db.insert(tenants).values({
        id,
        systemUrl,
        crmApiKeyEnc: await encryptSecret(key, input.apiKey, secretAad.crmKey(id)),
        crmKeyHash: keyHash,
        clientIdHash,
        active: true,
        frozen: false,
        timeZone,
        createdAt: now,
        updatedAt: now,
      })
      return { ok: true, accountUrl, tenantId: id, outcome: 'connected' }
    } catch (err) {
      // Another registration took this id at the same moment: choose the next one.
      if (isUniqueViolation(err, 'tenants.id')) continue
      if (isUniqueViolation(err, 'tenants.system_url')) break
      throw err
    }
  }
  return { ok: false, kind: 'refused', reason: retryLater }
}

/**
 * The tenant a registration from the new address `systemUrl` moves, if any: one whose stored key is
 * this very key — found by the address its activity callback left pending (its key decrypted and
 * compared), or by the key's hash. A different key at a new address is a new shop.
 */
async function findMovingTenant(
  deps: ConnectDeps,
  systemUrl: string,
  keyHash: string
): Promise<Tenant | null> {
  const candidates = await deps.db
    .select()
    .from(tenants)
    .where(or(eq(tenants.pendingSystemUrl, systemUrl), eq(tenants.crmKeyHash, keyHash)))
    .limit(10)
  const key = await importKey(deps.config.ENCRYPTION_KEY)
  for (const t of candidates) {
    if (t.crmKeyHash !== null) {
      if (t.crmKeyHash === keyHash) return t
      continue
    }
    const stored = await decryptSecret(key, t.crmApiKeyEnc, secretAad.crmKey(t.id)).catch(
      () => null
    )
    if (stored !== null && (await sha256Hex(stored)) === keyHash) return t
  }
  return null
}
