/**
 * UI language: 'ru' by default, 'en' on request. Precedence: a `?lang=ru|en` switch on any GET
 * (remembered in a cookie), then that cookie, then the tenant's CRM locale (from the settings
 * callback; applied by the session middleware), then 'ru'. The UI builds the switch as plain links.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { LANG_COOKIE, readCookie, secureCookies, writeCookie } from './cookies'

export type Locale = 'ru' | 'en'

const YEAR_SECONDS = 365 * 24 * 60 * 60

/** Maps any locale string ('en', 'en-GB', 'ru_RU', ...) to a supported locale, or undefined. */
export function toLocale(value: string | null | undefined): Locale | undefined {
  const v = value?.trim().toLowerCase().slice(0, 2)
  return v === 'ru' || v === 'en' ? v : undefined
}

/** The language the person chose explicitly (switch or cookie), if any. */
export function chosenLocale(c: Context<AppEnv>): Locale | undefined {
  const secure = secureCookies(c.env.APP_ENV)
  return toLocale(c.req.query('lang')) ?? toLocale(readCookie(c, LANG_COOKIE, secure))
}

/** Sets c.var.locale for every request and remembers a `?lang=` switch. */
export const localeMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const fromQuery = c.req.method === 'GET' ? toLocale(c.req.query('lang')) : undefined
  c.set('locale', chosenLocale(c) ?? 'ru')
  if (fromQuery) {
    writeCookie(c, LANG_COOKIE, fromQuery, secureCookies(c.env.APP_ENV), YEAR_SECONDS)
  }
  await next()
}
