/** GET /faq (src/routes/faq.tsx): the help article's situations, in both languages. */
import { beforeEach, describe, expect, it } from 'vitest'
import { get } from '../support/requests'
import { loginAs, type TestSession } from '../support/session'
import { makeConnectedTenant } from '../support/world'

let s: TestSession
beforeEach(async () => {
  s = await loginAs((await makeConnectedTenant()).tenant.id)
})

describe('GET /faq', () => {
  it('answers the situations of the article, marked as the current menu item', async () => {
    const res = await get(s, '/faq')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<a href="/faq" class="active" aria-current="page">Частые вопросы</a>')
    for (const text of [
      'Где взять API-ключ Unisender?',
      'Настройка аккаунта → Интеграция и API',
      'Проверьте ваш тарифный план',
      'список {a, b, c}, сегмент {c, d, e}',
      'раз в 4 часа',
      'Нужно подтверждение',
      'Связь с RetailCRM потеряна',
    ])
      expect(html).toContain(text)
  })

  it('is in English after the language switch', async () => {
    const html = await (await get(s, '/faq?lang=en')).text()
    expect(html).toContain('Where is the Unisender API key?')
    expect(html).toContain('href="/faq?lang=ru"')
  })

  it('needs a session', async () => {
    const { exports } = await import('cloudflare:workers')
    const res = await exports.default.fetch('https://module.test/faq', { redirect: 'manual' })
    expect(res.status).toBe(401)
  })
})
