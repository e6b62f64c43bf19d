import { describe, expect, it } from 'vitest'
import { en, format, messageKeys, ru, translator } from '../../src/i18n'
import { faqEntries } from '../../src/i18n/faq'

describe('the catalogue', () => {
  it('translates every key into English, with the same placeholders', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of messageKeys) {
      expect(en[key], key).toBeTruthy()
      expect(names(en[key]), key).toEqual(names(ru[key]))
    }
    expect(Object.keys(en).sort()).toEqual([...messageKeys].sort())
  })

  it('keeps the help article labels verbatim in Russian', () => {
    const values = new Set<string>(Object.values(ru))
    for (const label of [
      'Мои аккаунты',
      'Unisender',
      'Частые вопросы',
      'Мои страницы Unisender',
      'Новый аккаунт',
      'Сохранить',
      'Создать новую синхронизацию',
      'Логин',
      'API-ключ',
      'Выгрузить всех покупателей',
      'Создать сегмент с одноименным названием',
      'Точное соответствие',
      'Объединение',
      'Вычитание',
      'Проверьте ваш тарифный план',
    ])
      expect(values.has(label), label).toBe(true)
  })

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('{a} из {b}', { a: 1, b: 2 })).toBe('1 из 2')
    expect(format('{a} {missing}', { a: 'x' })).toBe('x {missing}')
    expect(translator('en')('accounts.plan', { used: 5, total: 10 })).toBe('Plan contacts: 5 of 10')
  })

  it('has the same FAQ entries in both languages', () => {
    expect(faqEntries('en').map((e) => e.id)).toEqual(faqEntries('ru').map((e) => e.id))
    expect(faqEntries('ru').length).toBeGreaterThanOrEqual(10)
  })
})
