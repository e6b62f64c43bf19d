/** The notice a person without a session sees at the module's root (src/http/notice-page.ts). */
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { BASE } from '../support/requests'

function root(headers: Record<string, string> = {}, path = '/') {
  return exports.default.fetch(`${BASE}${path}`, {
    headers: { accept: 'text/html', ...headers },
    redirect: 'manual',
  })
}

describe('the root without a session', () => {
  it('names the button the marketplace really shows, «Подключить», and never «Перейти в модуль»', async () => {
    const res = await root()
    expect(res.status).toBe(401)
    const html = await res.text()
    expect(html).toContain('«Подключить»')
    expect(html).not.toContain('Перейти в модуль')
  })

  it('offers a way back to the page the person came from, and the language switch', async () => {
    const html = await (await root({ referer: 'https://shop.retailcrm.ru/admin/modules' })).text()
    expect(html).toContain('href="https://shop.retailcrm.ru/admin/modules"')
    expect(html).toContain('Вернуться назад')
    expect(html).toContain('href="?lang=en"')
  })

  it('says the same in English, with “Connect”', async () => {
    const html = await (await root({}, '/?lang=en')).text()
    expect(html).toContain('press “Connect”')
    expect(html).toContain('href="?lang=ru"')
  })

  it('offers no back link to a non-web referer', async () => {
    const html = await (await root({ referer: 'javascript:alert(1)' })).text()
    expect(html).not.toContain('Вернуться назад')
  })
})
