/**
 * The first hour's rough edges in a real browser (issue #13, points 9, 10, 13, 14), at 1280 px and
 * at 390 px: checkboxes beside their labels, the progress line in words, flash lines shown once and
 * in their tone, tables that say they scroll, the menu's account line apart from «Выйти», and the
 * «Готово» badge's contrast.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { demoAccount, launch } from './browser'
import { createSync, waitForRunDone } from './flow'
import { type Servers, startServers } from './servers'

let servers: Servers
let b: Awaited<ReturnType<typeof launch>>

beforeAll(async () => {
  servers = await startServers()
  b = await launch()
  const { page } = b
  await page.goto(`${servers.sandboxUrl}/`)
  await page.getByRole('button', { name: 'Подключить' }).first().click()
  await page.waitForURL(`${servers.appUrl}/accounts`)
  const demo = await demoAccount(servers.sandboxUrl)
  await page.getByRole('link', { name: 'Новый аккаунт' }).click()
  await page.getByLabel('Логин').fill(demo.login)
  await page.getByLabel('API-ключ').fill(demo.apiKey)
  await page.getByRole('button', { name: 'Сохранить' }).click()
  await page.waitForURL(/\/accounts/)
})

afterAll(async () => {
  await b?.close()
  await servers?.stop()
})

function explainFailures() {
  onTestFailed(() => {
    console.error(servers.logs().slice(-6000))
  })
}

async function box(page: Page, selector: string) {
  const r = await page.locator(selector).first().boundingBox()
  if (!r) throw new Error(`${selector} is not visible`)
  return r
}

/** WCAG contrast of an element's text on its own background. */
async function contrast(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number)
      const lum = (c: number[]) => {
        const [r, g, bl] = c.map((v) => {
          const x = v / 255
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4
        })
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!
      }
      const st = getComputedStyle(el)
      const a = lum(rgb(st.color))
      const bg = lum(rgb(st.backgroundColor))
      return (Math.max(a, bg) + 0.05) / (Math.min(a, bg) + 0.05)
    })
}

describe('the settings UI at 1280 and 390 px', () => {
  it('puts each checkbox beside its label, with the label not squeezed', async () => {
    explainFailures()
    const { page } = b
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 })
      await page.goto(`${servers.appUrl}/syncs/new`)
      for (const id of ['allCustomers', 'createList']) {
        const input = await box(page, `#${id}`)
        const label = await box(page, `label[for="${id}"]`)
        const select = await box(page, id === 'allCustomers' ? '#segmentId' : '#listId')
        // The box starts the row at the form's left edge, the label right after it.
        expect(Math.abs(input.x - select.x)).toBeLessThan(4)
        expect(label.x - (input.x + input.width)).toBeGreaterThanOrEqual(0)
        expect(label.x - (input.x + input.width)).toBeLessThan(16)
        expect(Math.abs(label.y - input.y)).toBeLessThan(12)
        // One line at 1280; at 390 at least two thirds of the field's width.
        expect(label.width).toBeGreaterThan(Math.min(180, select.width * 0.6))
      }
    }
  })

  it('shows «Запуск начат.» once, as a note, and the run’s progress in words', async () => {
    explainFailures()
    const { page } = b
    await page.setViewportSize({ width: 1280, height: 900 })
    await createSync(page, {
      segment: 'Новые покупатели',
      createList: true,
      mode: 'Точное соответствие',
    })
    const flash = page.locator('[data-flash]')
    await expect.poll(() => flash.textContent()).toBe('Запуск начат.')
    expect(await flash.getAttribute('class')).toContain('flash-info')
    // The address no longer asks for the line: a reload does not repeat it.
    await expect.poll(() => page.url()).not.toContain('done=')
    const label = page.locator('[data-progress-label]')
    if ((await label.count()) > 0) {
      expect(await label.first().textContent()).toMatch(
        /Ожидает начала|Чтение RetailCRM|Чтение списка Unisender|Сравнение|Проверка|Запись в Unisender|Завершение/
      )
      expect(await label.first().textContent()).not.toMatch(/Выполнено \d+ из/)
    }
    await page.reload()
    expect(await page.locator('[data-flash]').count()).toBe(0)
    await waitForRunDone(page)
    expect(await page.locator('[data-flash]').count()).toBe(0)
  })

  it('says tables scroll at 390 px, and keeps the menu’s account apart from «Выйти»', async () => {
    explainFailures()
    const { page } = b
    await page.setViewportSize({ width: 390, height: 900 })
    await page.goto(`${servers.appUrl}/syncs`)
    const wrap = page.locator('.table-wrap').first()
    const overflows = await wrap.evaluate((el) => el.scrollWidth > el.clientWidth)
    expect(overflows).toBe(true)
    await expect.poll(() => page.locator('.scroll-hint').first().isVisible()).toBe(true)
    expect(await page.locator('.scroll-hint').first().textContent()).toContain('прокрутите')
    const account = await box(page, '.side .account')
    const logout = await box(page, '.side .logout button')
    const sameRow = Math.abs(account.y + account.height - (logout.y + logout.height)) < 24
    if (sameRow) expect(logout.x - (account.x + account.width)).toBeGreaterThanOrEqual(8)
    // The CRM address never breaks inside a word.
    const host = await page.locator('.side .crm-host').first().textContent()
    expect(host).toMatch(/crm\/demo$/)
  })

  it('keeps the desktop menu aligned and the «Готово» badge readable (≥ 4.5:1)', async () => {
    explainFailures()
    const { page } = b
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(`${servers.appUrl}/syncs`)
    // «Подключено…» and «Выйти» start where the menu items' text does.
    const textX = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate(
          (el) =>
            el.getBoundingClientRect().left + Number.parseFloat(getComputedStyle(el).paddingLeft)
        )
    const item = await textX('.side li a:not(.active)')
    expect(Math.abs((await textX('.side .account')) - item)).toBeLessThan(3)
    expect(Math.abs((await textX('.side .logout button')) - item)).toBeLessThan(3)
    expect(await page.locator('.badge-ok').first().textContent()).toBe('Готово')
    expect(await contrast(page, '.badge-ok')).toBeGreaterThanOrEqual(4.5)
    expect(await page.locator('.table-wrap .scroll-hint:visible').count()).toBe(0)
  })
})
