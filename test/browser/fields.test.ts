/**
 * Contact fields (#15) in a real browser at desktop and phone widths: the sync form proposes first
 * name → Name, states the 50-field limit, takes a new field (city → `city`); the first run writes
 * the names and cities to Unisender (checked in the emulator) and its page counts «Обновлены поля».
 */
import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { demoAccount, launch, listIdByTitle } from './browser'
import { waitForRunDone } from './flow'
import { type Servers, startServers } from './servers'

let servers: Servers
let b: Awaited<ReturnType<typeof launch>>
/** Screenshots for a person to look at (not compared): the form at both widths. */
const SHOTS = process.env.FIELDS_SHOTS_DIR

beforeAll(async () => {
  servers = await startServers()
  b = await launch()
  if (SHOTS) mkdirSync(SHOTS, { recursive: true })
})

afterAll(async () => {
  await b?.close()
  await servers?.stop()
})

/** The members of a list with their user-field values, from the emulator's inspection JSON. */
async function memberFields(listId: number) {
  const res = await fetch(
    `${servers.sandboxUrl}/unisender/inspect.json?list_id=${listId}&limit=10000`
  )
  const body = (await res.json()) as {
    members: { email: string; listStatus: string; fields: Record<string, string> }[]
  }
  return body.members.filter((m) => m.listStatus === 'active')
}

describe('contact fields in the browser', () => {
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
    it(`the form proposes first name → Name and states the limit at ${width} px`, async () => {
      const { page } = b
      await page.setViewportSize({ width, height: 1000 })
      await page.goto(`${servers.appUrl}/syncs/new`)
      const block = page.getByRole('group', { name: 'Поля контакта в Unisender' })
      await expect(
        block.getByText('Unisender принимает не более 50 полей за один импорт.').isVisible()
      ).resolves.toBe(true)
      const source = page.locator('#fieldSource-0')
      expect(await source.inputValue()).toBe('firstName')
      expect(await page.locator('#fieldTarget-0').inputValue()).toBe('Name')
      // Rows fit the width: no horizontal scrolling of the page.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth
      )
      expect(overflow).toBeLessThanOrEqual(0)
      if (SHOTS) {
        await block.scrollIntoViewIfNeeded()
        await page.screenshot({ path: `${SHOTS}/sync-form-fields-${width}.png`, fullPage: true })
      }
    })

  it('a sync with first name → Name and city → a new field writes both on its first run', async () => {
    onTestFailed(() => console.error(servers.logs().slice(-8000)))
    const { page } = b
    await page.setViewportSize({ width: 1280, height: 1000 })
    await page.goto(`${servers.appUrl}/syncs/new`)
    const segment = page.getByLabel('Сегмент RetailCRM')
    const option = segment.locator('option', { hasText: 'Новые покупатели' })
    await segment.selectOption(await option.first().getAttribute('value'))
    await page.getByLabel('Создать сегмент с одноименным названием').check()
    await page.getByLabel('Название нового списка').fill('Поля браузер')
    await page.locator('#fieldSource-1').selectOption({ label: 'Город' })
    await page.locator('#fieldTarget-1').fill('city')
    await page.getByLabel('Точное соответствие').check()
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click()
    await page.waitForURL(/\/syncs\/\d+/)
    await waitForRunDone(page)
    const counts = await page.locator('details.run').first().locator('dl.counts').textContent()
    expect(counts).toContain('Обновлены поля')
    const listId = await listIdByTitle(servers.sandboxUrl, 'Поля браузер')
    const members = await memberFields(listId!)
    expect(members.length).toBeGreaterThan(0)
    for (const m of members) {
      expect(m.fields.Name, m.email).toBeTruthy()
      expect(m.fields.city, m.email).toBeTruthy()
    }
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/sync-after-run-1280.png`, fullPage: true })
  })
})
