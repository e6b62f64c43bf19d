/**
 * The help article, followed step by step in a real browser: "Подключить" in the marketplace
 * simulator, "Мои аккаунты" → "Новый аккаунт", "Unisender" → "Создать новую синхронизацию", and
 * three runs whose results are checked in the Unisender sandbox: exact match (the list equals the
 * segment), union (the list gains the segment) and subtraction (the segment leaves the list).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { demoAccount, launch, listIdByTitle, listMembers, segmentEmails } from './browser'
import { createSync, runRejects, waitForRunDone } from './flow'
import { type Servers, startServers } from './servers'

const SEGMENT = 'Новые покупатели'
const SEGMENT_CODE = 'novye-pokupateli'
const UNION_LIST = 'Новости магазина'
const DRY_SEGMENT = 'VIP-клиенты'
const DRY_SEGMENT_CODE = 'vip'

let servers: Servers
let b: Awaited<ReturnType<typeof launch>>

beforeAll(async () => {
  servers = await startServers()
  b = await launch()
})

/** On failure, print what the servers said: the reason is usually in the app's log. */
function explainFailures() {
  onTestFailed(() => {
    console.error(servers.logs().slice(-8000))
  })
}

afterAll(async () => {
  await b?.close()
  await servers?.stop()
})

describe('the help article in the browser', () => {
  it('connects from the marketplace and lands in the module signed in', async () => {
    explainFailures()
    const { page } = b
    await page.goto(`${servers.sandboxUrl}/`)
    await page.getByRole('button', { name: 'Подключить' }).first().click()
    // No Unisender account yet: the module opens "Мои аккаунты" first.
    await page.waitForURL(`${servers.appUrl}/accounts`)
    const nav = (await page.getByRole('navigation').textContent()) ?? ''
    for (const item of ['Мои аккаунты', 'Unisender', 'Частые вопросы']) expect(nav).toContain(item)
    // The English switch, and back.
    await page.getByRole('link', { name: 'English' }).click()
    expect(await page.locator('main h2').first().textContent()).toBe('My Unisender pages')
    await page.getByRole('link', { name: 'Русский' }).click()
    expect(await page.locator('main h2').first().textContent()).toBe('Мои страницы Unisender')
  })

  it('adds the Unisender account: "Мои аккаунты" → "Новый аккаунт" → "Сохранить"', async () => {
    explainFailures()
    const { page } = b
    const demo = await demoAccount(servers.sandboxUrl)
    await page.getByRole('navigation').getByRole('link', { name: 'Мои аккаунты' }).click()
    expect(await page.locator('main').textContent()).toContain('Мои страницы Unisender')
    await page.getByRole('link', { name: 'Новый аккаунт' }).click()
    expect(await page.locator('main').textContent()).toContain(
      'Настройка аккаунта → Интеграция и API'
    )
    await page.getByLabel('Логин').fill(demo.login)
    await page.getByLabel('API-ключ').fill(demo.apiKey)
    await page.getByRole('button', { name: 'Сохранить' }).click()
    await page.waitForURL(/\/accounts\?done=saved/)
    const main = (await page.locator('main').textContent()) ?? ''
    expect(main).toContain('Аккаунт сохранён.')
    expect(main).toContain('Контакты по тарифу')
    expect(main).not.toContain(demo.apiKey)
  })

  it('exact match: after the first run the new list equals the segment', async () => {
    explainFailures()
    const { page } = b
    await createSync(page, { segment: SEGMENT, createList: true, mode: 'Точное соответствие' })
    await waitForRunDone(page)
    const listId = await listIdByTitle(servers.sandboxUrl, SEGMENT)
    expect(listId).not.toBeNull()
    // What the module may send, less what the run itself reports as refused (with a reason).
    const rejects = await runRejects(page)
    for (const reason of rejects.values()) expect(reason).toMatch(/^[a-z_]+$/)
    const expected = [...(await segmentEmails(servers.sandboxUrl, 'demo', SEGMENT_CODE))].filter(
      (e) => !rejects.has(e)
    )
    const { active } = await listMembers(servers.sandboxUrl, listId!)
    expect(expected.length).toBeGreaterThan(50)
    expect([...active].sort()).toEqual(expected.sort())
    const run = ((await page.locator('details.run').first().textContent()) ?? '').replace(
      /\s+/g,
      ''
    )
    expect(run).toContain(`Добавлено${expected.length}`)
  })

  it('union: the existing list keeps its members and gains the segment', async () => {
    explainFailures()
    const { page } = b
    const listId = await listIdByTitle(servers.sandboxUrl, UNION_LIST)
    const before = await listMembers(servers.sandboxUrl, listId!)
    expect(before.active.size).toBeGreaterThan(0)
    await createSync(page, { segment: SEGMENT, list: UNION_LIST, mode: 'Объединение' })
    await waitForRunDone(page)
    const rejects = await runRejects(page)
    const expected = [...(await segmentEmails(servers.sandboxUrl, 'demo', SEGMENT_CODE))].filter(
      (e) => !rejects.has(e)
    )
    const after = await listMembers(servers.sandboxUrl, listId!)
    expect([...after.active].sort()).toEqual([...new Set([...before.active, ...expected])].sort())
  })

  it('dry run before saving: "Проверить" shows what would be added, then "Сохранить и запустить"', async () => {
    explainFailures()
    const { page } = b
    await page.getByRole('navigation').getByRole('link', { name: 'Unisender' }).click()
    await page.getByRole('link', { name: 'Создать новую синхронизацию' }).click()
    const segment = page.getByLabel('Сегмент RetailCRM')
    const vip = segment.locator('option', { hasText: DRY_SEGMENT })
    await segment.selectOption(await vip.first().getAttribute('value'))
    await page.getByLabel('Создать сегмент с одноименным названием').check()
    await page.getByLabel('Точное соответствие').check()
    await page.getByRole('button', { name: 'Проверить (пробный запуск)' }).click()
    await page.waitForURL(/\/syncs\/\d+/)
    expect(await page.locator('main').textContent()).toContain('Черновик')
    await waitForRunDone(page)
    const run = ((await page.locator('details.run').first().textContent()) ?? '').replace(
      /\s+/g,
      ''
    )
    const planned = Number(/Будетдобавлено(\d+)/.exec(run)?.[1])
    expect(run).toContain('пробный')
    // The dry run predicts every acceptable email of the segment for the empty new list…
    const valid = await segmentEmails(servers.sandboxUrl, 'demo', DRY_SEGMENT_CODE)
    expect(planned).toBe(valid.size)
    // …and wrote nothing: the list does not exist yet.
    expect(await listIdByTitle(servers.sandboxUrl, DRY_SEGMENT)).toBeNull()
    await page.getByRole('button', { name: 'Сохранить и запустить' }).click()
    await waitForRunDone(page)
    const rejects = await runRejects(page)
    const listId = await listIdByTitle(servers.sandboxUrl, DRY_SEGMENT)
    const { active } = await listMembers(servers.sandboxUrl, listId!)
    expect([...active].sort()).toEqual([...valid].filter((e) => !rejects.has(e)).sort())
  })

  it('subtraction: editing the exact sync to "Вычитание" removes the segment from its list', async () => {
    explainFailures()
    const { page } = b
    await page.getByRole('navigation').getByRole('link', { name: 'Unisender' }).click()
    const row = page.locator('tr', { hasText: `${SEGMENT}` }).filter({ hasNotText: UNION_LIST })
    await row.getByRole('link', { name: SEGMENT }).click()
    await page.getByRole('link', { name: 'Изменить' }).click()
    await page.getByLabel('Вычитание').check()
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click()
    await page.waitForURL(/\/syncs\/\d+/)
    await waitForRunDone(page)
    const listId = await listIdByTitle(servers.sandboxUrl, SEGMENT)
    const expected = await segmentEmails(servers.sandboxUrl, 'demo', SEGMENT_CODE)
    const { active, all } = await listMembers(servers.sandboxUrl, listId!)
    expect([...active].filter((e) => expected.has(e))).toEqual([])
    // Excluded, never unsubscribed or deleted: the contacts still exist with their status.
    for (const e of expected) expect(all.get(e) ?? 'gone').not.toBe('unsubscribed')
  })
})
