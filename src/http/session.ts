/**
 * Who is asking: the session cookie is looked up (only its SHA-256 is stored, see
 * src/db/queries/sessions.ts) and the request gets c.var.tenant, c.var.csrfToken and c.var.locale.
 * Secure by default: `sessionGate` (mounted for the whole app in src/app.ts) requires a session and
 * a CSRF token on every path except PUBLIC_PREFIXES, so a new page cannot forget either. Without a
 * session, a browser gets a friendly page saying to open the module from the marketplace (401) and
 * an API client gets 401 JSON.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { getConfig } from '../config'
import { createSession, deleteSession, findSession, SESSION_MAX_MS } from '../db/queries/sessions'
import type { AppEnv } from '../env'
import { clearCookie, readCookie, SESSION_COOKIE, secureCookies, writeCookie } from './cookies'
import { hasValidCsrfToken, needsCsrf } from './csrf'
import { chosenLocale } from './locale'
import { type NoticeKind, noticeMessage, noticePage } from './notice-page'
import { rememberReturn } from './return-to'

/**
 * Paths that do not take a session, and why:
 * - /healthz: uptime checks;
 * - /retailcrm/*: CRM callbacks (HMAC token or clientId) and the accountUrl login (clientId);
 * - /static/*: stylesheets, scripts and the logo (served through the app for its headers);
 * - /operator: the hosting operator's view, behind its own token (src/http/operator-auth.ts) — a
 *   shop's session must never open it.
 */
export const PUBLIC_PREFIXES = ['/healthz', '/retailcrm/', '/static/', '/operator'] as const

/** True for a path that is reachable without a session. */
export function isPublicPath(path: string): boolean {
  return path === '/retailcrm' || PUBLIC_PREFIXES.some((p) => path === p || path.startsWith(p))
}

/** JSON for API and script clients, HTML for people. */
function wantsJson(c: Context<AppEnv>): boolean {
  const accept = c.req.header('accept') ?? ''
  return (
    c.req.path.startsWith('/api/') ||
    (accept.includes('application/json') && !accept.includes('text/html'))
  )
}

/** Answers 401/403 with the notice in the representation the client expects. */
export function refuse(c: Context<AppEnv>, status: 401 | 403, kind: NoticeKind): Response {
  const locale = c.get('locale') ?? 'ru'
  c.header('Cache-Control', 'no-store')
  // htmx requests: make htmx reload the page, which then shows the notice.
  if (c.req.header('HX-Request')) c.header('HX-Refresh', 'true')
  if (wantsJson(c)) {
    const code = status === 401 ? 'unauthorized' : 'forbidden'
    const message = noticeMessage(kind, locale)
    return c.json({ success: false, errorMsg: message, error: { code, message } }, status)
  }
  return c.html(noticePage(kind, locale, backHref(c)), status)
}

/**
 * Where "Вернуться назад" leads from a notice: the page the person came from (their CRM, or a page
 * of this module), when the browser said so and it is a web address other than this one.
 */
function backHref(c: Context<AppEnv>): string | null {
  const ref = c.req.header('referer')
  if (!ref) return null
  try {
    const u = new URL(ref)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null
    return u.href === c.req.url ? null : u.href
  } catch {
    return null
  }
}

/**
 * Requires a live session: sets the tenant, CSRF token and locale, and checks the CSRF token of
 * state-changing requests. Idempotent, so sub-apps may also `use(requireSession)` explicitly.
 */
export const requireSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('tenant')) return next()
  const secure = secureCookies(getConfig(c.env).APP_ENV)
  const token = readCookie(c, SESSION_COOKIE, secure)
  const found = token ? await findSession(c.var.db, token, Date.now()) : null
  if (!found) {
    // A person following a link (an alert's, a bookmark) comes back to it after signing in.
    const remembered = !wantsJson(c) && !c.req.header('HX-Request') && rememberReturn(c)
    return refuse(c, 401, remembered ? 'no_session_return' : 'no_session')
  }
  c.set('tenant', found.tenant)
  c.set('csrfToken', found.session.csrfToken)
  c.set('locale', chosenLocale(c) ?? (found.tenant.locale === 'en' ? 'en' : 'ru'))
  if (needsCsrf(c.req.method) && !(await hasValidCsrfToken(c, found.session.csrfToken))) {
    return refuse(c, 403, 'csrf')
  }
  await next()
  // Signed-in pages are per person: never store them in shared caches.
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'private, no-store')
}

/** Mounted app-wide: every non-public path requires a session (and CSRF on writes). */
export const sessionGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isPublicPath(c.req.path)) return next()
  return requireSession(c, next)
}

/** Starts a session for a tenant and sets its cookie; used by the accountUrl login. */
export async function startSession(c: Context<AppEnv>, tenantId: number): Promise<void> {
  const secure = secureCookies(getConfig(c.env).APP_ENV)
  const now = Date.now()
  const s = await createSession(c.var.db, tenantId, now)
  // The server enforces idle and absolute expiry; the cookie lives until the absolute limit.
  writeCookie(c, SESSION_COOKIE, s.token, secure, SESSION_MAX_MS / 1000)
}

/** Ends the current session (if any) and clears its cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const secure = secureCookies(getConfig(c.env).APP_ENV)
  const token = readCookie(c, SESSION_COOKIE, secure)
  if (token) await deleteSession(c.var.db, token)
  clearCookie(c, SESSION_COOKIE, secure)
}
