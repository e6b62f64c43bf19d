/**
 * Steps of the help article as a user performs them in the browser, by visible labels only
 * (menu items, buttons, field labels), so the tests prove the article can be followed in our UI.
 */
import type { Page } from 'playwright-core'

/** Waits until the newest run on the sync page has finished; confirms a guarded run if asked. */
export async function waitForRunDone(page: Page, timeoutMs = 240_000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const summary = (await page.locator('details.run summary').first().textContent()) ?? ''
    if (/готово/.test(summary)) return summary
    if (/ошибка|отменён/.test(summary)) {
      const body = await page.locator('main').textContent()
      throw new Error(`the run did not finish: ${body}`)
    }
    if (/нужно подтверждение/.test(summary)) {
      await page.getByRole('button', { name: 'Подтвердить и продолжить' }).click()
      continue
    }
    if (Date.now() > until) throw new Error(`run still not done: ${summary}`)
    await page.waitForTimeout(2000)
    await page.reload()
  }
}

/** "Unisender" → "Создать новую синхронизацию" → form → "Сохранить"; ends on the sync page. */
export async function createSync(
  page: Page,
  o: {
    segment: string
    list?: string
    createList?: boolean
    mode: 'Точное соответствие' | 'Объединение' | 'Вычитание'
  }
) {
  await page.getByRole('navigation').getByRole('link', { name: 'Unisender' }).click()
  await page.getByRole('link', { name: 'Создать новую синхронизацию' }).click()
  const segment = page.getByLabel('Сегмент RetailCRM')
  const option = segment.locator('option', { hasText: o.segment })
  await segment.selectOption(await option.first().getAttribute('value'))
  if (o.createList) await page.getByLabel('Создать сегмент с одноименным названием').check()
  else await page.getByLabel('Список Unisender').selectOption({ label: o.list! })
  await page.getByLabel(o.mode).check()
  await page.getByRole('button', { name: 'Сохранить', exact: true }).click()
  await page.waitForURL(/\/syncs\/\d+/)
}

/**
 * Emails the newest run reports as rejected (with their reasons), downloaded through the page's
 * "Скачать CSV" link as the user would; empty when the run rejected nobody.
 */
export async function runRejects(page: Page): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const link = page.locator('details.run').first().getByRole('link', { name: 'Скачать CSV' })
  if ((await link.count()) === 0) return out
  const res = await page.request.get(new URL((await link.getAttribute('href'))!, page.url()).href)
  if (!res.ok()) throw new Error(`rejects CSV answered ${res.status()}`)
  const lines = (await res.text())
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1)
  for (const line of lines) {
    const [email, reason] = line.split(',').map((c) => c.replace(/^"'?|"$/g, ''))
    if (email) out.set(email.toLowerCase(), reason ?? '')
  }
  return out
}
