/**
 * Glue between Hono and the pure Layout: mounts jsxRenderer once per UI sub-app and hands the
 * translator of the request's language (c.var.locale: the `?lang=` switch or its cookie, else the
 * tenant's CRM locale, else Russian) to pages.
 */
import type { Context } from 'hono'
import { jsxRenderer } from 'hono/jsx-renderer'
import type { AppEnv } from '../env'
import { type Locale, type T, translator } from '../i18n'
import { accountLabel } from '../tenants/system-url'
import { ShopTimeZone } from './components/sync-bits'
import { flashKindOf } from './flash'
import { type FlashKind, Layout, type NavKey } from './layout'

declare module 'hono' {
  interface ContextRenderer {
    // biome-ignore lint/style/useShorthandFunctionType: module augmentation needs the interface
    (
      content: string | Promise<string>,
      props: { title: string; active?: NavKey; flash?: string; flashKind?: FlashKind }
    ): Response | Promise<Response>
  }
}

/** The language of this request's UI (set by src/http/locale.ts and the session middleware). */
export function uiLocale<E extends AppEnv>(c: Context<E>): Locale {
  return c.get('locale') === 'en' ? 'en' : 'ru'
}

/** The translator of this request. */
export function tr<E extends AppEnv>(c: Context<E>): T {
  return translator(uiLocale(c))
}

/** The current URL with `lang` switched: the locale middleware remembers it in a cookie. */
export function langSwitchHref(url: string, to: Locale): string {
  const u = new URL(url)
  u.searchParams.set('lang', to)
  return u.pathname + u.search
}

/** Middleware: every c.render() in the sub-app is wrapped in the Layout. */
export const renderer = jsxRenderer<AppEnv>(({ children, title, active, flash, flashKind }, c) => {
  const ctx = c as unknown as Context<AppEnv>
  const locale = uiLocale(ctx)
  const langHref = langSwitchHref(ctx.req.url, locale === 'ru' ? 'en' : 'ru')
  const tenant = ctx.get('tenant')
  return (
    <Layout
      t={translator(locale)}
      locale={locale}
      title={title}
      active={active}
      flash={flash}
      flashKind={flashKind ?? flashKindOf(ctx.req.query('done'))}
      brokenReason={ctx.get('tenant')?.brokenReason}
      langHref={langHref}
      crmAccount={tenant ? accountLabel(tenant.systemUrl) : undefined}
      csrfToken={ctx.get('csrfToken')}
      moduleOff={Boolean(tenant && (!tenant.active || tenant.frozen))}
      movedTo={
        tenant?.pendingSystemUrl
          ? { pending: tenant.pendingSystemUrl, current: tenant.systemUrl }
          : undefined
      }
      keysDeleted={tenant?.crmApiKeyEnc === ''}
      attention={ctx.get('attention')}
      notifyError={tenant?.notifyError}
    >
      <ShopTimeZone.Provider value={tenant?.timeZone ?? null}>{children}</ShopTimeZone.Provider>
    </Layout>
  )
})
