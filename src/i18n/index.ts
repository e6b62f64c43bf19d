/**
 * The UI's one message catalogue (ru.ts is the source, en.ts its translation) and the translator
 * pages receive as a prop. Russian is the default; English when the session says so.
 */
import { en } from './en'
import { type MessageKey, ru } from './ru'

export type Locale = 'ru' | 'en'
export type { MessageKey }
export type Params = Record<string, string | number>
/** A translator bound to one locale: t('accounts.plan', { used: 1, total: 2 }). */
export type T = (key: MessageKey, params?: Params) => string

const catalogues: Record<Locale, Record<MessageKey, string>> = { ru, en }

/** Fills `{name}` placeholders; unknown placeholders are left visible so a gap is noticed. */
export function format(template: string, params?: Params): string {
  if (!params) return template
  return template.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m
  )
}

/** Returns the translator for a locale. */
export function translator(locale: Locale): T {
  const cat = catalogues[locale]
  return (key, params) => format(cat[key] ?? ru[key] ?? key, params)
}

/** Formats an integer for the locale (thin spaces for ru, commas for en). */
export function formatNumber(locale: Locale, n: number): string {
  return new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-US').format(n)
}

/** The message keys, for tests that check both catalogues agree. */
export const messageKeys = Object.keys(ru) as MessageKey[]
export { en, ru }
