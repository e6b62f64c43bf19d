/**
 * The page frame: skip link, left menu of the help article ("Мои аккаунты", "Unisender",
 * "Уведомления", "Частые вопросы"), language switch, the broken-CRM, moved-address, switched-off,
 * keys-deleted and syncs-need-attention banners and
 * a flash line. Pure: all data
 * arrives as props.
 */
import type { Child } from 'hono/jsx'
import type { Locale, T } from '../i18n'
import { Alert } from './components/alert'

export type NavKey = 'accounts' | 'syncs' | 'notifications' | 'faq'
export type FlashKind = 'success' | 'info' | 'warning'

/** The CRM host with a break opportunity after each dot and slash, so it never breaks mid-word. */
function breakableHost(host: string) {
  return host.split(/(?<=[./])/).map((part) => (
    <>
      {part}
      <wbr />
    </>
  ))
}

export interface LayoutProps {
  t: T
  locale: Locale
  title: string
  active?: NavKey
  /** tenant.brokenReason: the CRM refused our key, syncs are paused. */
  brokenReason?: string | null
  /** One translated line after a redirect (app.js drops ?done= from the address: shown once). */
  flash?: string
  /** Its tone: a success, a neutral note (a run was started) or a warning (nothing was done). */
  flashKind?: FlashKind
  /** Link that switches the language and comes back here. */
  langHref: string
  /** The connected CRM account (host), shown so a user always sees whose data this is. */
  crmAccount?: string
  /** Session CSRF token for the sign-out form. */
  csrfToken?: string
  /** The marketplace switched the module off (inactive or frozen): syncs do not run. */
  moduleOff?: boolean
  /** An address the activity callback reported, not yet confirmed by a signed registration. */
  movedTo?: { pending: string; current: string }
  /** The stored keys were deleted after 30 days switched off (src/schedule/retention.ts). */
  keysDeleted?: boolean
  /** Syncs that need a person (src/alerts/attention.ts): one banner linking to each. */
  attention?: { syncId: number; name: string; state: string }[]
  /** Why the CRM refused the module's last notification (tenants.notify_error). */
  notifyError?: string | null
  children?: Child
}

const NAV: {
  key: NavKey
  href: string
  label: 'nav.accounts' | 'nav.syncs' | 'nav.notifications' | 'nav.faq'
}[] = [
  { key: 'accounts', href: '/accounts', label: 'nav.accounts' },
  { key: 'syncs', href: '/syncs', label: 'nav.syncs' },
  { key: 'notifications', href: '/notifications', label: 'nav.notifications' },
  { key: 'faq', href: '/faq', label: 'nav.faq' },
]

/** The HTML document around every page. */
export function Layout(p: LayoutProps) {
  const { t } = p
  return (
    <html lang={p.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · ${t('app.title')}`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          {t('app.skip')}
        </a>
        <div class="shell">
          <nav class="side" aria-label={t('nav.label')}>
            <p class="brand">{t('app.title')}</p>
            <ul>
              {NAV.map((n) => (
                <li>
                  <a
                    href={n.href}
                    class={p.active === n.key ? 'active' : undefined}
                    aria-current={p.active === n.key ? 'page' : undefined}
                  >
                    {t(n.label)}
                  </a>
                </li>
              ))}
            </ul>
            {p.crmAccount ? (
              <p class="account">
                {t('nav.connected', { account: '' }).trim()}{' '}
                <span class="crm-host">{breakableHost(p.crmAccount)}</span>
              </p>
            ) : null}
            {p.csrfToken ? (
              <form method="post" action="/logout" class="logout">
                <input type="hidden" name="_csrf" value={p.csrfToken} />
                <button type="submit" class="link">
                  {t('nav.logout')}
                </button>
              </form>
            ) : null}
            <p class="lang">
              <a href={p.langHref} hreflang={p.locale === 'ru' ? 'en' : 'ru'}>
                {t('lang.switch')}
              </a>
            </p>
          </nav>
          <main id="main" tabindex={-1}>
            {p.keysDeleted ? (
              <Alert kind="error" title={t('banner.keysDeleted.title')}>
                {t('banner.keysDeleted.text')}
              </Alert>
            ) : p.brokenReason ? (
              <Alert kind="error" title={t('banner.broken.title')}>
                {t('banner.broken.text', { reason: p.brokenReason })}
              </Alert>
            ) : null}
            {p.movedTo ? (
              <Alert kind="warning" title={t('banner.moved.title')}>
                {t('banner.moved.text', p.movedTo)}
              </Alert>
            ) : null}
            {p.moduleOff ? (
              <Alert kind="warning" title={t('banner.off.title')}>
                {t('banner.off.text')}
              </Alert>
            ) : null}
            {p.attention?.length ? (
              <Alert kind="warning" title={t('banner.attention.title')}>
                <ul class="attention">
                  {p.attention.map((a) => (
                    <li>
                      <a href={`/syncs/${a.syncId}`}>{a.name}</a>
                      {': '}
                      {t(`banner.attention.${a.state}` as 'banner.attention.failed')}
                    </li>
                  ))}
                </ul>
                {p.notifyError ? <p>{t('banner.notifyError', { reason: p.notifyError })}</p> : null}
              </Alert>
            ) : null}
            {p.flash ? (
              <p class={`flash flash-${p.flashKind ?? 'success'}`} role="status" data-flash>
                {p.flash}
              </p>
            ) : null}
            {p.children}
          </main>
        </div>
      </body>
    </html>
  )
}
