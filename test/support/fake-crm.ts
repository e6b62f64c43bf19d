/**
 * A tiny in-test RetailCRM: /api/credentials, /integration-modules/{code}/edit,
 * /notifications/send and /settings, with the answers a test chooses, recording every request (method, path,
 * API key, parsed module or notification). For the full emulator see
 * test/support/sandbox-retailcrm.ts.
 */
import { outbound } from './outbound'

export interface FakeCrmOptions {
  /** Scopes /api/credentials reports (default: everything the module needs). */
  scopes?: string[]
  /** HTTP status + body of /api/credentials when it should fail. */
  credentialsError?: { status: number; body: unknown }
  /** HTTP status + body of /edit when it should fail. */
  editError?: { status: number; body: unknown }
  /** Only this key is accepted (401 otherwise); by default any key is. */
  apiKey?: string
  /** HTTP status + body of /notifications/send when it should fail. */
  notificationError?: { status: number; body: unknown }
  /** The time zone GET /api/v5/settings reports (default Europe/Moscow); null: the method fails. */
  timeZone?: string | null
}

export interface FakeCrmCall {
  method: string
  path: string
  apiKey: string | null
  module?: Record<string, unknown>
  notification?: Record<string, unknown>
}

/** Routes `origin` (e.g. https://shop.retailcrm.ru) to a fake CRM and returns its call log. */
export function fakeCrm(origin: string, opts: FakeCrmOptions = {}) {
  const calls: FakeCrmCall[] = []
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  outbound.route(origin, async (req) => {
    const url = new URL(req.url)
    const apiKey = req.headers.get('x-api-key')
    const call: FakeCrmCall = { method: req.method, path: url.pathname, apiKey }
    calls.push(call)
    if (opts.apiKey && apiKey !== opts.apiKey) {
      return json({ success: false, errorMsg: 'Wrong "apiKey" value.' }, 401)
    }
    if (url.pathname.endsWith('/api/credentials')) {
      if (opts.credentialsError)
        return json(opts.credentialsError.body, opts.credentialsError.status)
      return json({
        success: true,
        scopes: opts.scopes ?? ['integration_read', 'integration_write', 'customer_read'],
        siteAccess: 'access_full',
        sitesAvailable: ['shop'],
      })
    }
    const edit = url.pathname.match(/\/api\/v5\/integration-modules\/([^/]+)\/edit$/)
    if (edit && req.method === 'POST') {
      const form = new URLSearchParams(await req.text())
      call.module = JSON.parse(form.get('integrationModule') ?? '{}')
      if (opts.editError) return json(opts.editError.body, opts.editError.status)
      return json({ success: true, info: {} })
    }
    if (url.pathname === '/api/v5/notifications/send' && req.method === 'POST') {
      const form = new URLSearchParams(await req.text())
      call.notification = JSON.parse(form.get('notification') ?? '{}')
      if (opts.notificationError)
        return json(opts.notificationError.body, opts.notificationError.status)
      return json({ success: true })
    }
    if (url.pathname === '/api/v5/settings' && opts.timeZone !== null) {
      return json({
        success: true,
        settings: { timezone: { value: opts.timeZone ?? 'Europe/Moscow', updated_at: '' } },
      })
    }
    return json({ success: false, errorMsg: 'Not found' }, 404)
  })
  return { calls }
}
