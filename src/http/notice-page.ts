/**
 * Stand-alone pages for people who reach the module without a valid session: they cannot be helped
 * by the app's layout (no tenant, no menu), only told what to do. Russian by default, English when
 * the person switched the language. Everything interpolated is escaped.
 */
import type { Locale } from './locale'

export type NoticeKind =
  | 'no_session'
  | 'no_session_return'
  | 'unknown_client'
  | 'csrf'
  | 'foreign_handoff'

type NoticeText = Record<Locale, { title: string; body: string[] }>

const NO_SESSION: NoticeText = {
  ru: {
    title: 'Откройте модуль из RetailCRM',
    body: [
      'Сеанс работы с модулем не найден или истёк.',
      'Откройте RetailCRM, перейдите в Маркетплейс → «Экспорт сегментов Unisender» и нажмите «Подключить» (если модуль уже подключён, откройте его там же) — вы попадёте в свой аккаунт модуля уже авторизованными. Настройки и синхронизации сохранятся.',
    ],
  },
  en: {
    title: 'Open the module from RetailCRM',
    body: [
      'Your session was not found or has expired.',
      'Open RetailCRM, go to Marketplace → “Unisender segment export” and press “Connect” (if the module is already connected, open it from there) — you will land in your account already signed in. Your settings and syncs are kept.',
    ],
  },
}

/** The same, when the page the person asked for was remembered (src/http/return-to.ts). */
const NO_SESSION_RETURN: NoticeText = {
  ru: {
    ...NO_SESSION.ru,
    body: [
      ...NO_SESSION.ru.body,
      'После входа модуль откроет страницу, которую вы сейчас открывали (если войти в течение 15 минут в этом же браузере).',
    ],
  },
  en: {
    ...NO_SESSION.en,
    body: [
      ...NO_SESSION.en.body,
      'After signing in, the module opens the page you were trying to open (when you sign in within 15 minutes in this browser).',
    ],
  },
}

const TEXT: Record<NoticeKind, NoticeText> = {
  no_session: NO_SESSION,
  no_session_return: NO_SESSION_RETURN,
  unknown_client: {
    ru: {
      title: 'Подключение не найдено',
      body: [
        'Ссылка для входа устарела или модуль был переподключён.',
        'Откройте RetailCRM → Маркетплейс → «Экспорт сегментов Unisender». Если модуль подключён, откройте его оттуда ещё раз; если нет — нажмите «Подключить». Ваши синхронизации сохранятся.',
      ],
    },
    en: {
      title: 'Connection not found',
      body: [
        'The sign-in link is outdated or the module was reconnected.',
        'Open RetailCRM → Marketplace → “Unisender segment export”. If the module is connected, open it from there again; otherwise press “Connect”. Your syncs are kept.',
      ],
    },
  },
  foreign_handoff: {
    ru: {
      title: 'Вход не с вашей RetailCRM',
      body: [
        'Запрос на вход пришёл не со страницы вашей RetailCRM, поэтому модуль не стал открывать сеанс: так чужой сайт не сможет незаметно войти за вас в чужой аккаунт модуля.',
        'Откройте RetailCRM → Маркетплейс → «Экспорт сегментов Unisender» и войдите в модуль оттуда.',
      ],
    },
    en: {
      title: 'Sign-in not from your RetailCRM',
      body: [
        'The sign-in request did not come from a page of your RetailCRM, so no session was started: this way another site cannot quietly sign you into somebody else’s module account.',
        'Open RetailCRM → Marketplace → “Unisender segment export” and open the module from there.',
      ],
    },
  },
  csrf: {
    ru: {
      title: 'Форма устарела',
      body: [
        'Запрос отклонён: в нём нет действующего защитного токена формы.',
        'Обновите страницу и повторите действие.',
      ],
    },
    en: {
      title: 'The form has expired',
      body: [
        'The request was refused: it carries no valid form token.',
        'Reload the page and try again.',
      ],
    },
  },
}

/** The plain-text message of a notice, for JSON answers. */
export function noticeMessage(kind: NoticeKind, locale: Locale): string {
  return TEXT[kind][locale].body.join(' ')
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/** The way back: to the page the person came from (e.g. the CRM), and the language switch. */
const BACK: Record<Locale, { back: string; other: string; otherLang: Locale }> = {
  ru: { back: '← Вернуться назад', other: 'English', otherLang: 'en' },
  en: { back: '← Go back', other: 'Русский', otherLang: 'ru' },
}

/**
 * A complete HTML page for the notice. `back` is where "Вернуться назад" leads: the page the person
 * came from when it is known (a same-site or CRM Referer), else nothing is offered but the switch.
 */
export function noticePage(kind: NoticeKind, locale: Locale, back?: string | null): string {
  const t = TEXT[kind][locale]
  const b = BACK[locale]
  const paragraphs = t.body.map((p) => `<p>${esc(p)}</p>`).join('')
  const backLink = back ? `<a class="btn" href="${esc(back)}">${esc(b.back)}</a>` : ''
  const nav = `<p class="toolbar">${backLink}<a href="?lang=${b.otherLang}" hreflang="${b.otherLang}">${esc(b.other)}</a></p>`
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(t.title)}</title><link rel="stylesheet" href="/static/app.css"></head><body><main class="notice-page"><h1>${esc(t.title)}</h1>${paragraphs}${nav}</main></body></html>`
}
