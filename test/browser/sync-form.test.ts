/**
 * The sync form's live parts in a real browser (public/static/app.js; the CSP forbids inline
 * scripts): «Название нового списка» is usable only while «Создать сегмент с одноименным
 * названием» is ticked, at desktop and phone widths.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { demoAccount, launch } from './browser'
import { type Servers, startServers } from './servers'

let servers: Servers
let b: Awaited<ReturnType<typeof launch>>

beforeAll(async () => {
  servers = await startServers()
  b = await launch()
})

afterAll(async () => {
  await b?.close()
  await servers?.stop()
})

describe('the sync form in the browser', () => {
  it('connects and adds the demo account', async () => {
    onTestFailed(() => console.error(servers.logs().slice(-8000)))
    const { page } = b
    await page.goto(`${servers.sandboxUrl}/`)
    await page.getByRole('button', { name: 'Подключить' }).first().click()
    await page.waitForURL(`${servers.appUrl}/accounts`)
    const demo = await demoAccount(servers.sandboxUrl)
    await page.getByRole('link', { name: 'Новый аккаунт' }).click()
    await page.getByLabel('Логин').fill(demo.login)
    await page.getByLabel('API-ключ').fill(demo.apiKey)
    await page.getByRole('button', { name: 'Сохранить' }).click()
    await page.waitForURL(/\/accounts\?done=saved/)
  })

  for (const width of [1280, 390])
    it(`«Название нового списка» follows «Создать сегмент с одноименным названием» at ${width} px`, async () => {
      const { page } = b
      await page.setViewportSize({ width, height: 900 })
      await page.goto(`${servers.appUrl}/syncs/new`)
      const title = page.getByLabel('Название нового списка')
      const create = page.getByLabel('Создать сегмент с одноименным названием')
      expect(await create.isChecked()).toBe(false)
      expect(await title.isDisabled()).toBe(true)
      await create.check()
      expect(await title.isDisabled()).toBe(false)
      expect(await page.getByLabel('Список Unisender').isDisabled()).toBe(true)
      await title.fill('Моя рассылка')
      await create.uncheck()
      expect(await title.isDisabled()).toBe(true)
    })
})
