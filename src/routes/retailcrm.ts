/**
 * The RetailCRM marketplace side of the module (docs/retailcrm.md §1), mounted at /retailcrm:
 * GET /config (configUrl), POST /register (simple connection), GET|POST /login[/:clientId]
 * (accountUrl), POST /activity and POST /settings (callbacks).
 *
 * None of these takes a session or a CSRF token — they are PUBLIC_PREFIXES in src/http/session.ts —
 * because the CRM, not a signed-in browser, calls them: /register proves itself with the HMAC token,
 * the others with the clientId (a 256-bit bearer secret that we store only hashed). The clientId is
 * never logged, and the login answers with a redirect to a URL without it.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { getConfig } from '../config'
import { clientSettings, tenantCrmClient } from '../credentials/clients'
import { findTenantByClientId, setTenantLocale, setTenantTimeZone } from '../db/queries/tenants'
import type { Tenant } from '../db/schema'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { takeReturn } from '../http/return-to'
import { refuse, startSession } from '../http/session'
import { jsonField, parseForm } from '../http/validate'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { applyActivity, localeFromSettings } from '../tenants/activity'
import { connectTenant, REQUIRED_SCOPES } from '../tenants/connect'
import { judgeHandoff } from '../tenants/handoff-origin'
import { announcePendingMove } from '../tenants/move-notice'
import { verifyRegisterToken } from '../tenants/register-token'
import { recordRegistration, registrationAllowance } from '../tenants/registrations'
import { normalizeSystemUrl } from '../tenants/system-url'
import { readCrmTimeZone } from '../tenants/time-zone'

/** A required string field; zod paths name the field in the message (see src/http/validate.ts). */
const text = (max: number) =>
  z
    .string({ error: (i) => (i.input === undefined ? 'поле отсутствует' : 'ожидается строка') })
    .trim()
    .min(1, 'пустое значение')
    .max(max, 'слишком длинное значение')

const RegisterPayload = z.object(
  {
    systemUrl: text(300),
    apiKey: text(200),
    // A missing or empty token is simply not valid: it is refused with 401 like a forged one.
    token: z.string().max(200, 'слишком длинное значение').optional().default(''),
  },
  { error: 'ожидается объект {systemUrl, apiKey, token}' }
)

/** `register` = JSON string (official clients); `register[field]` form fields are accepted too. */
const RegisterForm = z
  .preprocess(
    (form) => {
      const f = (form ?? {}) as Record<string, unknown>
      if (f.register !== undefined || f['register[apiKey]'] === undefined) return f
      const pick = (k: string) => f[`register[${k}]`]
      return {
        register: JSON.stringify({
          systemUrl: pick('systemUrl'),
          apiKey: pick('apiKey'),
          token: pick('token'),
        }),
      }
    },
    z.object({ register: jsonField(RegisterPayload, 'объект {systemUrl, apiKey, token}') })
  )
  .transform((f) => f.register)

const ClientId = text(256)

const flag = z.preprocess(
  (v) =>
    v === 1 || v === '1' || v === 'true' ? true : v === 0 || v === '0' || v === 'false' ? false : v,
  z.boolean({ error: 'ожидается true или false' })
)

const ActivityForm = z.object({
  clientId: ClientId,
  systemUrl: z.string().max(300).optional(),
  activity: jsonField(
    z.object(
      { active: flag, freeze: flag.optional().default(false) },
      { error: 'ожидается JSON {"active": true, "freeze": false}' }
    ),
    '{"active": true, "freeze": false}'
  ),
})

const SettingsForm = z.object({
  clientId: ClientId,
  settings: jsonField(z.unknown(), 'объект настроек').optional(),
})

/**
 * Exchanges a clientId for a session and sends the browser to the app without it in the URL — only
 * when the request comes from the tenant's own CRM (src/tenants/handoff-origin.ts): login CSRF.
 */
async function login(c: Context<AppEnv>, clientId: string | undefined): Promise<Response> {
  const id = ClientId.safeParse(clientId)
  const tenant = id.success ? await findTenantByClientId(c.var.db, id.data) : null
  if (!tenant) return refuse(c, 401, 'unknown_client')
  const verdict = judgeHandoff(
    {
      origin: c.req.header('origin'),
      referer: c.req.header('referer'),
      secFetchSite: c.req.header('sec-fetch-site'),
    },
    tenant.systemUrl,
    getConfig(c.env).PUBLIC_URL
  )
  if (!verdict.ok) {
    log.warn('login_refused', { tenant: tenant.id, phase: 'login', detail: verdict.reason })
    return refuse(c, 403, 'foreign_handoff')
  }
  await startSession(c, tenant.id)
  // A shop connected before the module read time zones learns its own, in the background.
  if (tenant.timeZone === null && tenant.crmApiKeyEnc !== '')
    afterResponse(c, tenant.id, learnTimeZone(c, tenant))
  return c.redirect(takeReturn(c), 303)
}

/** Reads and stores the tenant's CRM time zone; failures leave it unknown (tried next sign-in). */
async function learnTimeZone(c: Context<AppEnv>, tenant: Tenant): Promise<void> {
  const crm = await tenantCrmClient(clientSettings(c.env), tenant, { timeoutMs: 10_000 })
  const zone = await readCrmTimeZone(crm)
  if (zone) await setTenantTimeZone(c.var.db, tenant.id, zone)
}

/** Lets `work` finish after the answer (waitUntil); its failure is logged, never shown. */
function afterResponse(c: Context<AppEnv>, tenantId: number, work: Promise<void>): void {
  const guarded = work.catch((err: unknown) =>
    log.warn('time_zone_failed', { tenant: tenantId, phase: 'login', error: errorText(err) })
  )
  try {
    c.executionCtx.waitUntil(guarded)
  } catch {
    // Tests without an execution context: the promise still settles on its own.
  }
}

async function formClientId(c: Context<AppEnv>): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? ''
  if (!type.includes('form')) return undefined
  const v = (await c.req.parseBody()).clientId
  return typeof v === 'string' ? v : undefined
}

export const retailcrm = new Hono<AppEnv>()
  .get('/config', (c) => {
    const { PUBLIC_URL } = getConfig(c.env)
    return c.json({
      success: true,
      scopes: [...REQUIRED_SCOPES],
      registerUrl: `${PUBLIC_URL}/retailcrm/register`,
    })
  })

  .post('/register', async (c) => {
    const config = getConfig(c.env)
    const input = await parseForm(c, RegisterForm, 'Некорректный запрос регистрации')
    if (!(await verifyRegisterToken(config.RETAILCRM_MODULE_SECRET, input.apiKey, input.token))) {
      throw new AppError(
        'unauthorized',
        'Подпись запроса (token) не совпала: запрос пришёл не от RetailCRM или секрет модуля (RETAILCRM_MODULE_SECRET) указан неверно. Ничего не сохранено.'
      )
    }
    const url = normalizeSystemUrl(input.systemUrl, {
      allowInsecureLocalhost: config.ALLOW_INSECURE_LOCALHOST,
    })
    if (!url.ok) throw new AppError('bad_request', url.reason)
    const db = c.var.db
    const now = Date.now()
    // UNCONFIRMED how the CRM shows non-2xx answers (docs/retailcrm.md §1a); like RetailCRM's own
    // mg-transport-core, failures a person must act on are 200 + success:false + errorMsg.
    const allowance = await registrationAllowance(db, url.url, now)
    if (!allowance.ok) {
      await recordRegistration(db, { systemUrl: url.url, outcome: 'rate_limited', now })
      log.warn('register_rate_limited', { phase: 'register' })
      return c.json({
        success: false,
        errorMsg: `Слишком много подключений этого аккаунта RetailCRM за последние минуты. Нажмите «Подключить» снова через ${allowance.retryInMinutes} мин.`,
      })
    }
    const result = await connectTenant({ db, config, now: () => now }, input)
    if (!result.ok) {
      if (result.kind === 'input') throw new AppError('bad_request', result.reason)
      await recordRegistration(db, { systemUrl: url.url, outcome: 'refused', now })
      log.warn('register_refused', { phase: 'register', detail: result.reason })
      return c.json({ success: false, errorMsg: result.reason })
    }
    await recordRegistration(db, {
      systemUrl: url.url,
      outcome: result.outcome,
      tenantId: result.tenantId,
      now,
    })
    log.info('register', { tenant: result.tenantId, phase: 'register', detail: result.outcome })
    return c.json({ success: true, accountUrl: result.accountUrl })
  })

  .get('/login', (c) => login(c, c.req.query('clientId')))
  .post('/login', async (c) => login(c, (await formClientId(c)) ?? c.req.query('clientId')))
  .get('/login/:clientId', (c) => login(c, c.req.param('clientId')))
  .post('/login/:clientId', (c) => login(c, c.req.param('clientId')))

  .post('/activity', async (c) => {
    const { ALLOW_INSECURE_LOCALHOST } = getConfig(c.env)
    const form = await parseForm(c, ActivityForm, 'Некорректный запрос активности')
    const result = await applyActivity(
      c.var.db,
      {
        clientId: form.clientId,
        systemUrl: form.systemUrl,
        active: form.activity.active,
        freeze: form.activity.freeze,
      },
      { now: Date.now(), allowInsecureLocalhost: ALLOW_INSECURE_LOCALHOST }
    )
    if (!result.ok) return c.json({ success: false, errorMsg: 'Unknown clientId' }, 404)
    log.info('activity', { tenant: result.tenantId, phase: 'activity', detail: result.live })
    if (result.pendingSystemUrl)
      log.warn('activity_address_pending', { tenant: result.tenantId, phase: 'activity' })
    if (result.pendingSystemUrl && result.announceMove) {
      const tenant = (await findTenantByClientId(c.var.db, form.clientId))!
      const failed = await announcePendingMove(
        clientSettings(c.env),
        tenant,
        result.pendingSystemUrl,
        result.locale
      )
      if (failed)
        log.warn('move_notice_refused', {
          tenant: result.tenantId,
          phase: 'activity',
          error: failed,
        })
    }
    return c.json({ success: true })
  })

  .post('/settings', async (c) => {
    const form = await parseForm(c, SettingsForm, 'Некорректный запрос настроек')
    const tenant = await findTenantByClientId(c.var.db, form.clientId)
    if (!tenant) return c.json({ success: false, errorMsg: 'Unknown clientId' }, 404)
    const locale = localeFromSettings(form.settings)
    if (locale) await setTenantLocale(c.var.db, tenant.id, locale, Date.now())
    return c.json({ success: true })
  })
