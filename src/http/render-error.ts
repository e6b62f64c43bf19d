/**
 * Renders every error the same way: JSON for API and callback clients, a short page for browsers.
 * Known AppErrors show their message; anything else is logged (without request bodies, which may
 * hold API keys) and masked as an internal error with a request id the user can quote.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { log } from '../lib/log'

function wantsJson(c: Context<AppEnv>): boolean {
  const accept = c.req.header('accept') ?? ''
  const path = c.req.path
  return (
    path.startsWith('/api/') ||
    path.startsWith('/retailcrm/') ||
    path === '/healthz' ||
    (accept.includes('application/json') && !accept.includes('text/html'))
  )
}

function page(title: string, message: string, requestId: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><link rel="stylesheet" href="/static/app.css"></head><body><main class="error-page"><h1>${esc(title)}</h1><p>${esc(message)}</p><p class="muted">Request id: ${esc(requestId)}</p></main></body></html>`
}

/** Renders one error response in the representation the client expects. */
export function renderError(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  fields?: Record<string, string>
): Response {
  const requestId = c.get('requestId') ?? ''
  if (wantsJson(c)) {
    return c.json(
      { success: false, errorMsg: message, error: { code, message, fields, requestId } },
      status
    )
  }
  return c.html(page(status >= 500 ? 'Ошибка сервиса' : 'Ошибка', message, requestId), status)
}

/** Maps any thrown value to a response; the only place that decides what a user sees on failure. */
renderError.fromError = (c: Context<AppEnv>, err: unknown): Response => {
  if (err instanceof AppError) {
    if (err.status >= 500)
      log.error('request_failed', {
        tenant: c.get('tenant')?.id,
        phase: c.req.path,
        detail: `${c.get('requestId')} ${err.code}`,
        error: err.message,
      })
    return renderError(c, err.status as ContentfulStatusCode, err.code, err.message, err.fields)
  }
  if (err instanceof HTTPException) {
    return renderError(
      c,
      err.status as ContentfulStatusCode,
      'http',
      err.message || 'Request failed'
    )
  }
  log.error('request_unhandled', {
    tenant: c.get('tenant')?.id,
    phase: c.req.path,
    detail: c.get('requestId'),
    error: err instanceof Error ? `${err.name}: ${err.message}` : 'non-error thrown',
  })
  return renderError(
    c,
    500,
    'internal',
    'Something went wrong on our side. Please try again in a minute.'
  )
}
