/**
 * The text of an alert, as the CRM shows it: short, in the CRM's language (Russian unless the CRM
 * said English), naming the sync and what to do, with a link to the sync's page. The link cannot
 * sign in by itself (the clientId is a bearer secret and must not travel in a message every
 * administrator can read, docs/retailcrm.md §8): opened with a session it is the sync's page;
 * without one the module says to open it from the CRM's marketplace, remembers the page, and the
 * sign-in from the CRM lands there (src/http/return-to.ts).
 */
import type { AlertEvent } from './state'

/** The names a message needs. */
export interface AlertSubject {
  syncId: number | null
  segmentName: string | null
  allCustomers: boolean
  listTitle: string
  /** The failed run's message, cut, for 'failed'. */
  reason?: string | null
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

const RU: Record<AlertEvent, string> = {
  failed: 'не удалась: {reason} Откройте синхронизацию, исправьте причину и запустите её снова.',
  confirm:
    'ждёт подтверждения: запуск удалит из списка больше контактов, чем разрешено. Проверьте и подтвердите или отмените его.',
  broken:
    'остановлена: Unisender отказал в доступе по ключу API. Проверьте ключ и доступ к API в «Мои аккаунты».',
  segment_deleted:
    'приостановлена: сегмент удалён в RetailCRM. Выберите другой сегмент или удалите синхронизацию; список в Unisender не изменён.',
  rejects:
    'завершилась, но много адресов не принято (больше порога). Откройте запуск и посмотрите отказы.',
  recovered: 'снова работает: последний запуск прошёл успешно.',
}

const EN: Record<AlertEvent, string> = {
  failed: 'failed: {reason} Open the sync, fix the cause and run it again.',
  confirm:
    'is waiting for confirmation: the run would remove more contacts than allowed. Review it, then confirm or cancel.',
  broken:
    'stopped: Unisender refused the API key. Check the key and API access under “My accounts”.',
  segment_deleted:
    'is paused: its segment was deleted in RetailCRM. Choose another segment or delete the sync; the Unisender list is unchanged.',
  rejects:
    'finished, but many addresses were refused (above the threshold). Open the run to see the rejects.',
  recovered: 'works again: its last run succeeded.',
}

/** The alert's message, under the CRM's 1,000-character bound (docs/retailcrm.md §8). */
export function alertText(
  event: AlertEvent,
  s: AlertSubject,
  locale: string | null,
  publicUrl: string
): string {
  const en = locale === 'en'
  const link = s.syncId === null ? `${publicUrl}/syncs` : `${publicUrl}/syncs/${s.syncId}`
  if (s.syncId === null) {
    const body = en
      ? event === 'recovered'
        ? 'the connection to RetailCRM works again.'
        : 'RetailCRM refused the module’s API key; syncs are paused. Reconnect the module in Marketplace.'
      : event === 'recovered'
        ? 'связь с RetailCRM восстановлена.'
        : 'RetailCRM отказала в доступе по ключу API модуля; синхронизации приостановлены. Переподключите модуль в Маркетплейсе.'
    return `${en ? 'Unisender segment export' : 'Экспорт сегментов Unisender'}: ${body} ${link}`
  }
  const segment = s.allCustomers
    ? en
      ? 'All customers'
      : 'Все покупатели'
    : cut(s.segmentName ?? '?', 80)
  const name = `«${segment} → ${cut(s.listTitle, 80)}»`
  const reason = cut(
    (s.reason ?? '').trim() || (en ? 'unknown error.' : 'неизвестная ошибка.'),
    200
  )
  const what = (en ? EN : RU)[event].replace('{reason}', reason)
  const prefix = en
    ? 'Unisender segment export: sync'
    : 'Экспорт сегментов Unisender: синхронизация'
  return `${prefix} ${name} ${what} ${en ? 'Open' : 'Открыть'}: ${link}`
}
