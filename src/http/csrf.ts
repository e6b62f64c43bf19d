/**
 * CSRF protection for every state-changing request of a signed-in person. The session cookie is
 * SameSite=None (the CRM may frame the module, see cookies.ts), so a foreign site could make the
 * browser send it; it cannot read the session's CSRF token, which every POST/PUT/PATCH/DELETE must
 * carry as the form field `_csrf` or the `X-CSRF-Token` header.
 *
 * Exempt, by design, and never behind this check: the RetailCRM callbacks (/retailcrm/register is
 * authenticated by its HMAC token, /retailcrm/activity and /retailcrm/settings by the clientId) and
 * the accountUrl login (/retailcrm/login, authenticated by the clientId). They are not session
 * routes: see PUBLIC_PREFIXES in src/http/session.ts.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'

export const CSRF_FIELD = '_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** True for methods that may change state and so need a token. */
export function needsCsrf(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase())
}

/** Constant-time string comparison (lengths are not secret: tokens have a fixed length). */
export function tokensEqual(a: string, b: string): boolean {
  const enc = new TextEncoder()
  const x = enc.encode(a)
  const y = enc.encode(b)
  if (x.byteLength !== y.byteLength) return false
  return crypto.subtle.timingSafeEqual(x, y)
}

/** Reads the token a request carries: the header first, else the `_csrf` form field. */
async function presentedToken(c: Context<AppEnv>): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER)
  if (header) return header
  const type = c.req.header('content-type') ?? ''
  if (
    type.startsWith('application/x-www-form-urlencoded') ||
    type.startsWith('multipart/form-data')
  ) {
    // parseBody caches the parsed form, so the route can still read (and validate) it.
    const body = await c.req.parseBody()
    const value = body[CSRF_FIELD]
    return typeof value === 'string' ? value : undefined
  }
  return undefined
}

/** True when the request carries the session's CSRF token. */
export async function hasValidCsrfToken(c: Context<AppEnv>, expected: string): Promise<boolean> {
  const token = await presentedToken(c)
  return token !== undefined && tokensEqual(token, expected)
}
