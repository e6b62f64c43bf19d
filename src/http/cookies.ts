/**
 * Cookie policy of the module, in one place. The CRM opens accountUrl in its own window or, possibly,
 * in an iframe on the CRM's domain (UNCONFIRMED, docs/retailcrm.md §1d). A cookie that must survive being
 * set inside a cross-site iframe needs `SameSite=None; Secure`, and `Partitioned` (CHIPS) so browsers
 * that block third-party cookies still keep it, per top-level site. So:
 * - outside development: `__Host-` prefix, Secure, HttpOnly, SameSite=None, Partitioned, Path=/;
 * - development (http://localhost): SameSite=Lax without Secure, since http pages cannot set Secure
 *   cookies in every browser. CSRF tokens (src/http/csrf.ts) protect against what SameSite=None allows.
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { CookieOptions } from 'hono/utils/cookie'

export const SESSION_COOKIE = 'usx_session'
export const LANG_COOKIE = 'usx_lang'

/** True when cookies may be marked Secure (everything but APP_ENV=development). */
export function secureCookies(appEnv: string | undefined): boolean {
  return appEnv !== 'development'
}

function options(secure: boolean, maxAgeSeconds: number, httpOnly: boolean): CookieOptions {
  return secure
    ? {
        path: '/',
        secure: true,
        httpOnly,
        sameSite: 'None',
        partitioned: true,
        prefix: 'host',
        maxAge: maxAgeSeconds,
      }
    : { path: '/', httpOnly, sameSite: 'Lax', maxAge: maxAgeSeconds }
}

/** The cookie's name as the browser sends it (with the __Host- prefix when secure). */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name
}

/** Reads a cookie written by writeCookie. */
export function readCookie(c: Context, name: string, secure: boolean): string | undefined {
  return secure ? getCookie(c, name, 'host') : getCookie(c, name)
}

/** Sets one of the module's cookies with the policy above. */
export function writeCookie(
  c: Context,
  name: string,
  value: string,
  secure: boolean,
  maxAgeSeconds: number,
  httpOnly = true
): void {
  setCookie(c, name, value, options(secure, maxAgeSeconds, httpOnly))
}

/** Removes one of the module's cookies. */
export function clearCookie(c: Context, name: string, secure: boolean): void {
  const { maxAge: _maxAge, ...opts } = options(secure, 0, true)
  deleteCookie(c, name, opts)
}
