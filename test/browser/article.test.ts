/**
 * The help article, followed step by step in a real browser: "Подключить" in the marketplace
 * simulator, "Мои аккаунты" → "Новый аккаунт", "Unisender" → "Создать новую синхронизацию", and
 * three runs whose results are checked in the Unisender sandbox: exact match (the list equals the
 * segment), union (the list gains the segment) and subtraction (the segment leaves the list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoAccount, launch, listIdByTitle, listMembers, segmentEmails } from './browser'
import { createSync, runRejects, waitForRunDone } from './flow'
import { type Servers, startServers } from './servers'

const SEGMENT = 'Новые покупатели'
const SEGMENT_CODE = 'novye-pokupateli'
const UNION_LIST = 'Новости магазина'

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

describe('the help article in the browser', () => {
  it('connects from the marketplace and lands in the module signed in', async () => {
    const { page } = b
    await page.goto(`${servers.sandboxUrl}/`)
    await page.getByRole('button', { name: 'Подключить' }).first().click()
    // No Unisender account yet: the module opens "Мои аккаунты" first.
    await page.waitForURL(`${servers.appUrl}/accounts`)
    const nav = (await page.getByRole('navigation').textContent()) ?? ''
    for (const item of ['Мои аккаунты', 'Unisender', 'Частые вопросы']) expect(nav).toContain(item)
  })

  it('adds the Unisender account: "Мои аккаунты" → "Новый аккаунт" → "Сохранить"', async () => {
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

  it('subtraction: editing the exact sync to "Вычитание" removes the segment from its list', async () => {
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
