/**
 * Where a person lands after signing in through the CRM. An alert's link (src/alerts/messages.ts)
 * points at a sync's page but cannot sign in by itself, so a person without a session is told to
 * open the module from the marketplace. The page they asked for is remembered in a short-lived
 * cookie and the accountUrl login (src/routes/retailcrm.ts) sends them there instead of the home
 * page, once.
 *
 * Only a local path is ever stored or followed (never a scheme, host or `//`), so the cookie cannot
 * be turned into an open redirect; a stale or foreign value is ignored and the home page is used.
 * The cookie is partitioned like the session cookie (src/http/cookies.ts): it is found when the
 * alert's link and the marketplace hand-off open in the same top-level site, which is the case
 * for a link opened in a browser tab and the CRM opening the module in its own window.
 */
import type { Context } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import { clearCookie, readCookie, secureCookies, writeCookie } from './cookies'

export const RETURN_COOKIE = 'usx_return'
/** Long enough to go to the CRM, open the marketplace and press the module's button. */
const RETURN_TTL_SECONDS = 15 * 60
const MAX_LENGTH = 300

/**
 * The path to come back to, or null when `raw` is not a plain local page: it must start with one
 * `/`, hold only URL-safe characters, and not be a sign-in, callback or static path.
 */
export function safeReturnPath(raw: string | undefined | null): string | null {
  if (!raw || raw.length > MAX_LENGTH) return null
  if (!/^\/[A-Za-z0-9\-._~/?=&%]*$/.test(raw)) return null
  if (raw.startsWith('//') || raw.includes('/../') || raw.includes('/./')) return null
  if (/^\/(retailcrm|static|operator|logout)(\/|$|\?)/.test(raw)) return null
  return raw
}

/**
 * Remembers the page a browser asked for without a session (GET pages only, not the home page);
 * true when it did, so the notice can say the person will come back to it.
 */
export function rememberReturn(c: Context<AppEnv>): boolean {
  if (c.req.method !== 'GET') return false
  const url = new URL(c.req.url)
  const path = safeReturnPath(url.pathname + url.search)
  if (!path || path === '/') return false
  writeCookie(c, RETURN_COOKIE, path, secureCookies(getConfig(c.env).APP_ENV), RETURN_TTL_SECONDS)
  return true
}

/** The remembered page (cleared: it is followed once), or '/' when there is none. */
export function takeReturn(c: Context<AppEnv>): string {
  const secure = secureCookies(getConfig(c.env).APP_ENV)
  const raw = readCookie(c, RETURN_COOKIE, secure)
  if (raw === undefined) return '/'
  clearCookie(c, RETURN_COOKIE, secure)
  return safeReturnPath(raw) ?? '/'
}
