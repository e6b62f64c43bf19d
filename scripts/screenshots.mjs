/**
 * Regenerates the README's screenshots of the help article's steps, in Russian and in English:
 * starts the module and the sandbox exactly as the browser tests do (test/browser/servers.ts: fresh
 * state, free ports), follows the article in Debian's headless chromium through playwright-core and
 * writes small PNGs (1000 × 700, the width of the CRM's module frame) to docs/screenshots/.
 *
 *   node scripts/screenshots.mjs            (CHROMIUM_PATH overrides /usr/bin/chromium)
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { startServers } from '../test/browser/servers.ts'

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots')
const SIZE = { width: 1000, height: 700 }

mkdirSync(OUT, { recursive: true })
const servers = await startServers()
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
})
const page = await browser.newPage({ viewport: SIZE, locale: 'ru-RU' })
const app = servers.appUrl
const shot = (name) => page.screenshot({ path: join(OUT, `${name}.png`) })

try {
  const demo = (await (await fetch(`${servers.sandboxUrl}/unisender/inspect.json`)).json()).demo
  // Step 0: the marketplace's «Подключить» (the sandbox's page), then the module opens signed in.
  await page.goto(`${servers.sandboxUrl}/`)
  await shot('00-marketplace-ru')
  await page.getByRole('button', { name: 'Подключить' }).first().click()
  await page.waitForURL(`${app}/accounts`)

  for (const lang of ['ru', 'en']) {
    const ru = lang === 'ru'
    // 1. «Мои аккаунты» → «Новый аккаунт»: login and API key.
    await page.goto(`${app}/accounts?lang=${lang}`)
    await shot(`01-accounts-${lang}`)
    await page.goto(`${app}/accounts/new`)
    await page.fill('#login', demo.login)
    await page.fill('#apiKey', ru ? demo.apiKey : '••••••••••••')
    await shot(`02-account-form-${lang}`)
    if (ru) {
      await page.locator('form.card button[type=submit]').last().click()
      await page.waitForURL(/\/accounts/)
    }
    // 2. «Unisender» → «Создать новую синхронизацию»: segment, list, mode.
    await page.goto(`${app}/syncs/new`)
    const segment = page.locator('#segmentId')
    const value = await segment
      .locator('option', { hasText: 'Новые покупатели' })
      .first()
      .getAttribute('value')
    await segment.selectOption(value)
    await page.check('#createList')
    await page.check('#mode-exact')
    await shot(`03-sync-form-${lang}`)
    if (ru) {
      await page.locator('button[name=intent][value=save]:not([hidden])').click()
      await page.waitForURL(/\/syncs\/\d+/)
      // Wait for the first run to finish (confirming a guarded run, as the article's user would).
      for (let i = 0; i < 120; i++) {
        const summary = (await page.locator('details.run summary').first().textContent()) ?? ''
        if (/готово|ошибка/.test(summary)) break
        await page.waitForTimeout(2000)
        await page.reload()
      }
    }
    // 3. The sync's page after its first run, and the list of syncs.
    await page.goto(`${app}/syncs`)
    await shot(`04-syncs-${lang}`)
    await page.locator('table a').first().click()
    await page.waitForURL(/\/syncs\/\d+/)
    await shot(`05-sync-${lang}`)
    await page.goto(`${app}/faq`)
    await shot(`06-faq-${lang}`)
  }
  console.log(`screenshots written to ${OUT}`)
} catch (err) {
  console.error(err)
  console.error(servers.logs().slice(-4000))
  process.exitCode = 1
} finally {
  await browser.close()
  await servers.stop()
}
