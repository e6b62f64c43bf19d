/**
 * The RetailCRM API v5 surface the module uses, in the real shapes (docs/retailcrm.md §0–4): fault
 * injection, then auth by `X-API-KEY` or `apiKey`, then the per-key rate limit, then the routes.
 */
import { Hono, type MiddlewareHandler } from 'hono'
import { type CrmEnv, type EmulatorDeps, requireScope } from './context'
import { customFieldsRoute } from './custom-fields'
import { findKey } from './keys'
import { moduleRoutes } from './modules'
import { notificationRoutes } from './notifications'
import { crmError, ParamError } from './params'
import { customersRoute, historyRoute, segmentsRoute } from './reads'

async function apiKeyOf(req: Request, url: URL, form: () => Promise<Record<string, unknown>>) {
  const header = req.headers.get('X-API-KEY')
  if (header) return header
  const q = url.searchParams.get('apiKey')
  if (q) return q
  if (req.method === 'POST') {
    const v = (await form()).apiKey
    if (typeof v === 'string' && v !== '') return v
  }
  return null
}

/** Faults, auth and the rate limit, in the order a real gateway applies them. */
function gate(deps: EmulatorDeps): MiddlewareHandler<CrmEnv> {
  return async (c, next) => {
    const shop = c.get('shop')
    const path = new URL(c.req.url).pathname.slice(c.get('base').length)
    const name = `${c.req.method} ${path.replace(/(\/integration-modules\/)[^/]+/, '$1{code}')}`
    deps.stats.calls[name] = (deps.stats.calls[name] ?? 0) + 1
    const faults = deps.faults.get(shop.code)
    if (faults.latencyMs > 0) await deps.sleep(faults.latencyMs, c.req.raw.signal).catch(() => {})
    const fault = deps.faults.take(shop.code)
    if (fault) deps.stats.refused.fault++
    if (fault === 'error')
      return c.text('<html><body>Bad gateway</body></html>', faults.errorStatus as 502)
    if (fault === 'hang') {
      // Resolves only when the caller aborts (the answer then goes nowhere) or hangMs passes.
      await deps.sleep(faults.hangMs, c.req.raw.signal).catch(() => {})
      return c.text('<html><body>Gateway timeout</body></html>', 504)
    }
    if (fault === 'rate') return c.json(crmError('Rate limit exceeded'), 503)

    const url = new URL(c.req.url)
    const key = await apiKeyOf(c.req.raw, url, () => c.req.parseBody())
    // UNCONFIRMED status for a missing key; 403 like a wrong key (both mean "reconnect").
    if (!key) {
      deps.stats.refused.auth++
      return c.json(crmError('"apiKey" is missing.'), 403)
    }
    const record = await findKey(c.env.SANDBOX_DB, key)
    if (!record || record.shop !== shop.code) {
      deps.stats.refused.auth++
      return c.json(crmError('Wrong "apiKey" value.'), 403)
    }
    // UNCONFIRMED: 503 "Rate limit exceeded" is what SDK fixtures show (the SDKs retry 503 and 429).
    if (!deps.limiter.allow(key, deps.now())) {
      deps.stats.refused.rateLimit++
      return c.json(crmError('Rate limit exceeded'), 503)
    }
    c.set('apiKey', record)
    await next()
  }
}

/** The /api sub-app (mounted at `{systemUrl}/api`). */
export function apiRoutes(deps: EmulatorDeps) {
  const api = new Hono<CrmEnv>()
  api.use(gate(deps))
  api.onError((err, c) => {
    if (err instanceof ParamError) return c.json(crmError(err.message, err.errors), 400)
    throw err
  })

  api.get('/credentials', (c) => {
    const shop = c.get('shop')
    return c.json({
      success: true,
      scopes: c.get('apiKey').scopes,
      siteAccess: 'access_full',
      sitesAvailable: [shop.site],
    })
  })
  // The account settings (docs/retailcrm.md §9): every sandbox shop keeps Moscow time. No scope is
  // checked: which one the method needs is UNCONFIRMED, and the module treats a refusal as "unknown".
  api.get('/v5/settings', (c) =>
    c.json({
      success: true,
      settings: {
        default_currency: { value: 'RUB', updated_at: '2022-01-01 00:00:00' },
        system_language: { value: 'RU', updated_at: '2022-01-01 00:00:00' },
        timezone: { value: 'Europe/Moscow', updated_at: '2022-01-01 00:00:00' },
      },
    })
  )
  api.get('/api-versions', (c) => c.json({ success: true, versions: ['3.0', '4.0', '5.0'] }))

  // UNCONFIRMED: no source names a segment scope; customer_read gates segments as customers.
  api.get('/v5/segments', requireScope('customer_read'), segmentsRoute)
  api.get('/v5/customers', requireScope('customer_read'), customersRoute(deps))
  api.get('/v5/customers/history', requireScope('customer_read'), historyRoute(deps))
  // UNCONFIRMED: the scope custom-fields needs (custom_fields_read exists); customer_read here.
  api.get('/v5/custom-fields', requireScope('customer_read'), customFieldsRoute)
  api.route('/v5/integration-modules', moduleRoutes(deps))
  api.route('/v5/notifications', notificationRoutes(deps.now))

  api.all('*', (c) => c.json(crmError('API method not found'), 404))
  return api
}
