/**
 * "Частые вопросы": the situations of the help article (and the failures users of similar modules
 * hit), each with what the user sees and what to do. Part of the catalogue, in both languages.
 */
import type { Locale } from './index'

export interface FaqEntry {
  id: string
  q: string
  a: string[]
}

const ru: FaqEntry[] = [
  {
    id: 'setup',
    q: 'Как начать?',
    a: [
      'Нажмите «Подключить» у модуля «Экспорт сегментов Unisender» в маркетплейсе RetailCRM — вы попадёте в модуль уже вошедшим.',
      'Откройте «Мои аккаунты» → блок «Мои страницы Unisender» → «Новый аккаунт», укажите логин и API-ключ и нажмите «Сохранить».',
      'В левом меню выберите «Unisender» → «Создать новую синхронизацию», выберите сегмент, список и способ, нажмите «Сохранить».',
    ],
  },
  {
    id: 'key',
    q: 'Где взять API-ключ Unisender?',
    a: [
      'В аккаунте Unisender: Настройка аккаунта → Интеграция и API. Если модуль пишет, что доступ к API отключён, включите API там же.',
    ],
  },
  {
    id: 'modes',
    q: 'Чем отличаются способы синхронизации?',
    a: [
      'Пример: список {a, b, c}, сегмент {c, d, e}.',
      '«Точное соответствие» → {c, d, e}: список становится таким же, как сегмент.',
      '«Объединение» → {a, b, c, d, e}: сегмент дополняет список.',
      '«Вычитание» → {a, b}: покупатели сегмента убираются из списка.',
      'Убранные из списка контакты не отписываются и остаются в других списках.',
    ],
  },
  {
    id: 'timing',
    q: 'Как быстро обновляется список?',
    a: [
      'Новая синхронизация запускается сразу после сохранения и обычно заканчивается в течение 10 минут. RetailCRM пересчитывает динамические сегменты раз в 4 часа; список в Unisender обновляется через 1–2 минуты после пересчёта. Ход запуска виден в списке синхронизаций.',
    ],
  },
  {
    id: 'plan',
    q: 'Покупатели не появились в списке, а запуск завершился ошибкой «Проверьте ваш тарифный план»',
    a: [
      'Тариф Unisender разрешает меньше контактов, чем нужно. Лимит и занятые контакты видны на карточке аккаунта в «Мои аккаунты». Измените тариф в Unisender и нажмите «Запустить сейчас» на странице синхронизации.',
    ],
  },
  {
    id: 'skipped',
    q: 'Почему часть покупателей не попала в список?',
    a: [
      'На странице синхронизации у каждого запуска есть счётчики: отписанные в Unisender (модуль никогда не подписывает их повторно), отказавшиеся от рассылок в RetailCRM, некорректные email и повторы. Список отклонённых контактов с причинами можно скачать в CSV.',
    ],
  },
  {
    id: 'guard',
    q: 'Запуск «Нужно подтверждение»',
    a: [
      'Защита от массового удаления остановила запуск, который убрал бы из списка большую часть контактов (например, если сегмент случайно опустел). На странице синхронизации видны числа. Если всё верно — «Подтвердить и продолжить», иначе «Отменить запуск»: список не изменится.',
    ],
  },
  {
    id: 'testmode',
    q: 'Синхронизация «успешна», но список не меняется',
    a: [
      'Скорее всего, аккаунт Unisender в тестовом режиме API: Unisender отвечает «успешно», но ничего не меняет. Модуль показывает предупреждение на карточке аккаунта. Отключите тестовый режим в Unisender.',
    ],
  },
  {
    id: 'broken',
    q: 'Сообщение «Связь с RetailCRM потеряна»',
    a: [
      'RetailCRM перестал принимать ключ модуля (модуль отключили или ключ удалили). Синхронизации приостановлены. Нажмите «Подключить» у модуля в маркетплейсе RetailCRM ещё раз — синхронизации продолжатся.',
    ],
  },
  {
    id: 'segment-gone',
    q: 'Сегмент удалили в RetailCRM',
    a: [
      'Запуск завершится ошибкой с пояснением. Откройте синхронизацию, нажмите «Изменить» и выберите другой сегмент или удалите синхронизацию.',
    ],
  },
  {
    id: 'delete',
    q: 'Что будет, если удалить синхронизацию или аккаунт?',
    a: [
      'Удаление синхронизации не удаляет список в Unisender и его подписчиков. Удаление аккаунта приостанавливает синхронизации, которые его используют; выберите в них другой аккаунт.',
    ],
  },
  {
    id: 'all',
    q: 'Как выгрузить всех покупателей?',
    a: [
      'В форме синхронизации отметьте «Выгрузить всех покупателей». Большая база выгружается частями; прогресс виден в списке синхронизаций.',
    ],
  },
]

const en: FaqEntry[] = [
  {
    id: 'setup',
    q: 'How do I start?',
    a: [
      'Press Connect on the "Unisender segment export" module in the RetailCRM marketplace — you land in the module already signed in.',
      'Open "My accounts" → "My Unisender pages" → "New account", enter the login and API key and press "Save".',
      'In the left menu choose "Unisender" → "Create new sync", choose a segment, a list and a method, press "Save".',
    ],
  },
  {
    id: 'key',
    q: 'Where is the Unisender API key?',
    a: [
      'In your Unisender account: Account settings → Integration and API. If the module says API access is disabled, enable the API there.',
    ],
  },
  {
    id: 'modes',
    q: 'How do the sync methods differ?',
    a: [
      'Example: list {a, b, c}, segment {c, d, e}.',
      '"Exact match" → {c, d, e}: the list becomes the same as the segment.',
      '"Union" → {a, b, c, d, e}: the segment is added to the list.',
      '"Subtraction" → {a, b}: the segment\'s customers are removed from the list.',
      'Contacts removed from the list are not unsubscribed and stay in their other lists.',
    ],
  },
  {
    id: 'timing',
    q: 'How fast is the list updated?',
    a: [
      'A new sync starts as soon as it is saved and usually finishes within 10 minutes. RetailCRM recalculates dynamic segments every 4 hours; the Unisender list follows 1–2 minutes later. Progress is shown in the sync list.',
    ],
  },
  {
    id: 'plan',
    q: 'Customers did not reach the list and the run failed with "Check your tariff plan"',
    a: [
      'Your Unisender plan allows fewer contacts than needed. The limit and usage are on the account card under "My accounts". Change the plan in Unisender and press "Run now" on the sync page.',
    ],
  },
  {
    id: 'skipped',
    q: 'Why did some customers not reach the list?',
    a: [
      'Each run on the sync page has counts: unsubscribed in Unisender (never resubscribed), opted out in RetailCRM, invalid emails and duplicates. The rejected contacts with reasons can be downloaded as CSV.',
    ],
  },
  {
    id: 'guard',
    q: 'A run "Needs confirmation"',
    a: [
      'The removal guard stopped a run that would remove most of the list (for example when a segment became empty by mistake). The sync page shows the numbers. If it is right, press "Confirm and continue", otherwise "Cancel the run": the list stays as it is.',
    ],
  },
  {
    id: 'testmode',
    q: 'The sync "succeeds" but the list does not change',
    a: [
      'The Unisender account is probably in API test mode: Unisender answers "success" but changes nothing. The account card shows a warning. Turn test mode off in Unisender.',
    ],
  },
  {
    id: 'broken',
    q: 'The message "The RetailCRM connection is broken"',
    a: [
      'RetailCRM no longer accepts the module key (the module was disabled or the key removed). Syncs are paused. Press Connect on the module in the RetailCRM marketplace again and they resume.',
    ],
  },
  {
    id: 'segment-gone',
    q: 'A segment was deleted in RetailCRM',
    a: [
      'Its run fails with an explanation. Open the sync, press "Edit" and choose another segment, or delete the sync.',
    ],
  },
  {
    id: 'delete',
    q: 'What happens when I delete a sync or an account?',
    a: [
      'Deleting a sync never deletes the Unisender list or its subscribers. Deleting an account pauses the syncs that use it; choose another account in them.',
    ],
  },
  {
    id: 'all',
    q: 'How do I upload all customers?',
    a: [
      'Tick "Upload all customers" in the sync form. A large base is uploaded in parts; progress is shown in the sync list.',
    ],
  },
]

/** The FAQ entries in the given language. */
export function faqEntries(locale: Locale): FaqEntry[] {
  return locale === 'en' ? en : ru
}
