/**
 * The list of syncs (issue #13, what a shop owner expects): the first-run checklist until its three
 * steps are done, when each sync's last run ended next to its result and list, and a filter once a
 * shop has many syncs.
 */
import { describe, expect, it } from 'vitest'
import { makeAccount, makeRun, makeSync } from '../../support/fixtures'
import { get } from '../../support/requests'
import { loginAs, makeConnectedTenant } from '../../support/session'

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()

async function shop() {
  const tenantId = (await makeConnectedTenant()).tenant.id
  return { tenantId, s: await loginAs(tenantId) }
}

describe('the first-run checklist', () => {
  it('shows the steps left, linked, and disappears once all three are done', async () => {
    const { tenantId, s } = await shop()
    let html = await (await get(s, '/syncs')).text()
    expect(text(html)).toContain('С чего начать')
    expect(html).toContain('<a href="/accounts/new">Добавить аккаунт Unisender</a>')
    const account = await makeAccount(tenantId, { login: 'shop' })
    html = await (await get(s, '/syncs')).text()
    expect(html).toContain('<a href="/syncs/new">Создать первую синхронизацию</a>')
    expect(text(html)).toContain('Добавить аккаунт Unisender (сделано)')
    const sync = await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    // A dry run is not the first run.
    await makeRun(tenantId, sync.id, { status: 'done', dryRun: true })
    expect(text(await (await get(s, '/syncs')).text())).toContain(
      'Дождаться первого успешного запуска (не сделано)'
    )
    await makeRun(tenantId, sync.id, { status: 'done', finishedAt: Date.now() })
    expect(await (await get(s, '/syncs')).text()).not.toContain('С чего начать')
  })
})

describe('the list', () => {
  it('says when the last run ended, with its result and the list it writes', async () => {
    const { tenantId, s } = await shop()
    const account = await makeAccount(tenantId, { login: 'shop' })
    const sync = await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    await makeRun(tenantId, sync.id, {
      status: 'done',
      counts: JSON.stringify({ added: 12, removed: 3, unchanged: 40 }),
      finishedAt: Date.UTC(2026, 10, 26, 12, 4),
    })
    const page = text(await (await get(s, '/syncs')).text())
    expect(page).toContain('Клиенты')
    expect(page).toContain('26.11.2026, 15:04 МСК +12 / −3, без изменений 40')
  })

  it("shows those times in the CRM's own time zone, naming it", async () => {
    const tenantId = (await makeConnectedTenant({ overrides: { timeZone: 'Asia/Yekaterinburg' } }))
      .tenant.id
    const s = await loginAs(tenantId)
    const account = await makeAccount(tenantId, { login: 'shop' })
    const sync = await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    await makeRun(tenantId, sync.id, {
      status: 'done',
      counts: JSON.stringify({ added: 1 }),
      finishedAt: Date.UTC(2026, 10, 26, 12, 4),
    })
    const page = text(await (await get(s, '/syncs')).text())
    expect(page).toContain('26.11.2026, 17:04 GMT+5')
    expect(page).not.toContain('МСК')
  })

  it('offers a filter by name and state once there are many syncs', async () => {
    const { tenantId, s } = await shop()
    const account = await makeAccount(tenantId, { login: 'shop' })
    for (let i = 1; i <= 7; i++) {
      const sync = await makeSync(tenantId, account.id, {
        segmentName: i === 3 ? 'VIP-клиенты' : `Сегмент ${i}`,
        listTitle: `Список ${i}`,
      })
      if (i % 2 === 0) await makeRun(tenantId, sync.id, { status: 'failed' })
    }
    const all = await (await get(s, '/syncs')).text()
    expect(all).toContain('<form method="get" action="/syncs" class="filter"')
    expect(text(all)).toContain('Показано 7 из 7.')
    const vip = await (await get(s, '/syncs?q=vip')).text()
    expect(text(vip)).toContain('Показано 1 из 7.')
    expect(vip).toContain('VIP-клиенты')
    expect(vip).not.toContain('Сегмент 1<')
    const failed = text(await (await get(s, '/syncs?state=failed')).text())
    expect(failed).toContain('Показано 3 из 7.')
  })

  it('keeps a short list without a filter', async () => {
    const { tenantId, s } = await shop()
    const account = await makeAccount(tenantId, { login: 'shop' })
    await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    expect(await (await get(s, '/syncs')).text()).not.toContain('class="filter"')
  })
})

describe('the checklist on «Мои аккаунты»', () => {
  it('is shown below the accounts until the steps are done', async () => {
    const { tenantId, s } = await shop()
    const html = await (await get(s, '/accounts')).text()
    expect(text(html)).toContain('С чего начать')
    // The article's block stays the page's first heading.
    expect(html.indexOf('Мои страницы Unisender')).toBeLessThan(html.indexOf('С чего начать'))
    const account = await makeAccount(tenantId, { login: 'shop' })
    const sync = await makeSync(tenantId, account.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    await makeRun(tenantId, sync.id, { status: 'done', finishedAt: Date.now() })
    expect(await (await get(s, '/accounts')).text()).not.toContain('С чего начать')
  })
})
