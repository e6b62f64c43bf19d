/**
 * Security headers on every response, and the request body limit.
 * CSP: only our own scripts, styles, images and endpoints; no inline scripts. Inline `style=""`
 * attributes are allowed (style-src-attr) for things like progress-bar widths; <style> elements are
 * not. frame-ancestors lets the RetailCRM account domains (and the signed-in tenant's own CRM
 * origin, e.g. the sandbox on localhost) show our pages in a frame, since the CRM may open the
 * module inside its window (UNCONFIRMED, docs/retailcrm.md §1d). No X-Frame-Options: it cannot express an
 * allow-list and CSP frame-ancestors supersedes it.
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { crmFrameAncestors } from '../tenants/crm-domains'

/** The largest request body we read (forms and CRM callbacks are a few KB). */
export const MAX_BODY_BYTES = 64 * 1024

/** Builds the Content-Security-Policy for a set of allowed framing origins. */
export function contentSecurityPolicy(extraFrameAncestors: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${["'self'", ...crmFrameAncestors(), ...extraFrameAncestors].join(' ')}`,
  ].join('; ')
}

function flag(v: string | undefined): boolean {
  return v === '1' || v === 'true'
}

/** Adds the security headers after the route answered. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  const extra: string[] = []
  if (flag(c.env.ALLOW_INSECURE_LOCALHOST)) extra.push('http://localhost:*', 'http://127.0.0.1:*')
  const tenant = c.get('tenant')
  if (tenant) {
    try {
      const origin = new URL(tenant.systemUrl).origin
      if (!extra.includes(origin)) extra.push(origin)
    } catch {
      // a stored systemUrl is always a valid URL; nothing to add otherwise
    }
  }
  const h = c.res.headers
  h.set('Content-Security-Policy', contentSecurityPolicy(extra))
  h.set('X-Content-Type-Options', 'nosniff')
  h.set('Referrer-Policy', 'no-referrer')
  if (c.env.APP_ENV !== 'development') {
    h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
  }
}

/** Rejects bodies over MAX_BODY_BYTES with 413 before anything parses them. */
export const limitBody: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new AppError(
      'payload_too_large',
      `Запрос слишком большой: не более ${MAX_BODY_BYTES / 1024} КБ`
    )
  },
})
