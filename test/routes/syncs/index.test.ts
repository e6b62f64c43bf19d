/**
 * The sync list, "Создать новую синхронизацию", saving, editing and the form's re-render without
 * JavaScript (src/routes/syncs/index.tsx), against the sandbox CRM and Unisender.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getSync, listRuns, listSyncs } from '../../../src/db/queries/syncs'
import { runs as runsTable } from '../../../src/db/schema'
import { get, post } from '../../support/requests'
import {
  MARKUP_NAME,
  makeSyncPagesWorld,
  type SyncPagesWorld,
  syncFormFields,
} from '../../support/world'

const db = () => createDb(env.DB)
let w: SyncPagesWorld

beforeEach(async () => {
  w = await makeSyncPagesWorld()
})

describe('GET /syncs and the form', () => {
  it('lists nothing yet and offers "Создать новую синхронизацию"', async () => {
    const html = await (await get(w.session, '/syncs')).text()
    expect(html).toContain('Создать новую синхронизацию')
    expect(html).toContain('href="/syncs/new"')
  })

  it('shows segments with count and kind, the lists of the account, checkboxes and modes', async () => {
    const res = await get(w.session, '/syncs/new')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Постоянные — 50 покуп., динамический')
    expect(html).not.toContain('Архив') // inactive segments are not offered
    expect(html).toContain('Рассылка')
    for (const label of [
      'Выгрузить всех покупателей',
      'Создать сегмент с одноименным названием',
      'Точное соответствие',
      'Объединение',
      'Вычитание',
      'список {a, b, c}, сегмент {c, d, e} → список {c, d, e}',
      '→ список {a, b, c, d, e}',
      '→ список {a, b}',
      'Проверить (пробный запуск)',
    ])
      expect(html).toContain(label)
    expect(html).toContain('<label for="mode-exact">')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; VIP')
    expect(html).not.toContain(MARKUP_NAME)
  })
})

describe('POST /syncs', () => {
  it('saves the sync and starts its first run at once', async () => {
    const res = await post(w.session, '/syncs', await syncFormFields(w))
    expect(res.status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(s).toMatchObject({
      segmentName: 'Постоянные',
      listId: w.listId,
      listTitle: 'Рассылка',
      mode: 'exact',
      state: 'active',
    })
    expect(res.headers.get('location')).toBe(`/syncs/${s!.id}?done=started`)
    const runs = await listRuns(db(), w.tenant.id, s!.id)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ trigger: 'create', dryRun: false, status: 'queued' })
    expect(w.sent).toEqual([{ type: 'run-step', runId: runs[0]!.id, seq: 0 }])
  })

  it('"Выгрузить всех покупателей" + "Создать сегмент с одноименным названием" needs no choice', async () => {
    const f = await syncFormFields(w, {
      allCustomers: '1',
      createList: '1',
      segmentId: '',
      listId: '',
      mode: 'union',
    })
    const res = await post(w.session, '/syncs', f)
    expect(res.status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(s).toMatchObject({
      allCustomers: true,
      segmentId: null,
      createList: true,
      listId: null,
      listTitle: 'Все покупатели',
    })
  })

  it('names a new list after the segment', async () => {
    await post(w.session, '/syncs', await syncFormFields(w, { createList: '1', listId: '' }))
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(s).toMatchObject({ createList: true, listId: null, listTitle: 'Постоянные' })
  })

  it('escapes markup of a segment name on the list and sync pages', async () => {
    await post(w.session, '/syncs', await syncFormFields(w, { segmentId: String(w.seg('markup')) }))
    const [s] = await listSyncs(db(), w.tenant.id)
    for (const path of ['/syncs', `/syncs/${s!.id}`]) {
      const html = await (await get(w.session, path)).text()
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; VIP')
      expect(html).not.toContain('<script>alert(1)')
    }
  })

  it('rejects a post without the CSRF token', async () => {
    const res = await post(w.session, '/syncs', await syncFormFields(w), { csrf: false })
    expect(res.status).toBe(403)
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(0)
  })

  it('"Проверить" saves a paused draft and starts only a dry run', async () => {
    const res = await post(w.session, '/syncs', await syncFormFields(w, { intent: 'dry' }))
    expect(res.status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    expect(s).toMatchObject({ state: 'paused', pausedReason: 'draft' })
    const [run] = await listRuns(db(), w.tenant.id, s!.id)
    expect(run).toMatchObject({ dryRun: true })
    const page = await (await get(w.session, `/syncs/${s!.id}`)).text()
    expect(page).toContain('Черновик')
    expect(page).toContain('Сохранить и запустить')
  })
})

describe('edit', () => {
  it('changes the mode and starts an edit run', async () => {
    await post(w.session, '/syncs', await syncFormFields(w))
    const [s] = await listSyncs(db(), w.tenant.id)
    const form = await (await get(w.session, `/syncs/${s!.id}/edit`)).text()
    expect(form).toContain('value="exact" checked')
    await db().update(runsTable).set({ status: 'done' }).where(eq(runsTable.syncId, s!.id))
    const res = await post(w.session, `/syncs/${s!.id}`, await syncFormFields(w, { mode: 'union' }))
    expect(res.status).toBe(303)
    expect((await getSync(db(), w.tenant.id, s!.id))!.mode).toBe('union')
    const runs = await listRuns(db(), w.tenant.id, s!.id)
    expect(runs[0]).toMatchObject({ trigger: 'edit' })
  })
})

describe('editing a draft', () => {
  /** A draft of segment `regular` whose dry run has finished. */
  async function draft() {
    await post(w.session, '/syncs', await syncFormFields(w, { intent: 'dry' }))
    const [s] = await listSyncs(db(), w.tenant.id)
    await db().update(runsTable).set({ status: 'done' }).where(eq(runsTable.syncId, s!.id))
    return s!
  }

  it('offers "Проверить (пробный запуск)" on the edit form', async () => {
    const s = await draft()
    const form = await (await get(w.session, `/syncs/${s.id}/edit`)).text()
    expect(form).toContain('Проверить (пробный запуск)')
    expect(form).toContain('name="intent" value="dry"')
  })

  it('"Проверить" after an edit keeps the draft and starts a dry run of the new settings', async () => {
    const s = await draft()
    const f = await syncFormFields(w, { segmentId: String(w.seg('markup')), intent: 'dry' })
    expect((await post(w.session, `/syncs/${s.id}`, f)).status).toBe(303)
    const after = await getSync(db(), w.tenant.id, s.id)
    expect(after).toMatchObject({
      state: 'paused',
      pausedReason: 'draft',
      segmentId: w.seg('markup'),
    })
    const runs = await listRuns(db(), w.tenant.id, s.id)
    expect(runs).toHaveLength(2)
    expect(runs[0]).toMatchObject({ dryRun: true, status: 'queued' })
  })

  it('"Сохранить" activates the draft and starts a real run, not the old dry run', async () => {
    const s = await draft()
    const f = await syncFormFields(w, { segmentId: String(w.seg('markup')) })
    const res = await post(w.session, `/syncs/${s.id}`, f)
    expect(res.status).toBe(303)
    expect(await getSync(db(), w.tenant.id, s.id)).toMatchObject({
      state: 'active',
      pausedReason: null,
    })
    const runs = await listRuns(db(), w.tenant.id, s.id)
    expect(runs[0]).toMatchObject({ dryRun: false, trigger: 'edit' })
  })

  it('"Проверить" on an active sync saves the edit as a draft, so nothing is written unchecked', async () => {
    await post(w.session, '/syncs', await syncFormFields(w))
    const [s] = await listSyncs(db(), w.tenant.id)
    await db().update(runsTable).set({ status: 'done' }).where(eq(runsTable.syncId, s!.id))
    const f = await syncFormFields(w, { mode: 'union', intent: 'dry' })
    expect((await post(w.session, `/syncs/${s!.id}`, f)).status).toBe(303)
    expect(await getSync(db(), w.tenant.id, s!.id)).toMatchObject({
      mode: 'union',
      state: 'paused',
      pausedReason: 'draft',
    })
    expect((await listRuns(db(), w.tenant.id, s!.id))[0]).toMatchObject({ dryRun: true })
  })
})

describe('a sync paused because its account was deleted', () => {
  it('resumes when an edit picks a live account', async () => {
    expect((await post(w.session, '/syncs', await syncFormFields(w))).status).toBe(303)
    const [s] = await listSyncs(db(), w.tenant.id)
    await db().update(runsTable).set({ status: 'done' }).where(eq(runsTable.syncId, s!.id))
    const old = s!.unisenderAccountId
    // A second Unisender account is added, then the first one is deleted.
    const second = await w.uni.createAccount()
    await w.uni.createList(second, 'Вторая')
    expect(
      (await post(w.session, '/accounts', { login: second.login, apiKey: second.apiKey })).status
    ).toBe(303)
    expect((await post(w.session, `/accounts/${old}/delete`, {})).status).toBe(303)
    expect(await getSync(db(), w.tenant.id, s!.id)).toMatchObject({
      state: 'paused',
      pausedReason: 'account_deleted',
      accountLogin: null,
    })
    const form = await (await get(w.session, `/syncs/${s!.id}/edit`)).text()
    expect(form).toContain('Вторая')
    const lists = await w.uni.lists(second)
    const listId = String(lists.find((l) => l.title === 'Вторая')!.id)
    const accs = await db().query.unisenderAccounts.findMany({
      where: (a, { and, eq: is, isNull }) => and(is(a.tenantId, w.tenant.id), isNull(a.deletedAt)),
    })
    const res = await post(
      w.session,
      `/syncs/${s!.id}`,
      await syncFormFields(w, { accountId: String(accs[0]!.id), listId })
    )
    expect(res.status).toBe(303)
    expect(await getSync(db(), w.tenant.id, s!.id)).toMatchObject({
      state: 'active',
      pausedReason: null,
      unisenderAccountId: accs[0]!.id,
      listTitle: 'Вторая',
    })
    expect((await listRuns(db(), w.tenant.id, s!.id))[0]).toMatchObject({ trigger: 'edit' })
  })
})

describe('without JavaScript', () => {
  it('"Показать списки аккаунта" re-renders the form with that account\'s lists and saves nothing', async () => {
    const other = await w.uni.createAccount()
    await w.uni.createList(other, 'Только у второго')
    await post(w.session, '/accounts', { login: other.login, apiKey: other.apiKey })
    const accs = await db().query.unisenderAccounts.findMany({
      where: (a, { eq: is }) => is(a.tenantId, w.tenant.id),
    })
    const res = await post(w.session, '/syncs', {
      ...(await syncFormFields(w)),
      accountId: String(accs[1]!.id),
      intent: 'reload',
    })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Только у второго')
    expect(html).not.toContain('>Рассылка<')
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(0)
    // The CSRF token never travels in a URL: no GET form carries it.
    expect(html).not.toMatch(/formmethod="get"/)
  })
})

describe('what the form shows about the Unisender side', () => {
  it('escapes markup in Unisender list titles', async () => {
    await w.uni.createList(w.uniAccount, '<i>Скидки</i> & "акции"')
    const html = await (await get(w.session, '/syncs/new')).text()
    expect(html).toContain('&lt;i&gt;Скидки&lt;/i&gt; &amp; &quot;акции&quot;')
    expect(html).not.toContain('<i>Скидки</i>')
  })

  it('warns when the chosen account is in API test mode', async () => {
    const tm = await makeSyncPagesWorld({ testMode: true })
    const html = await (await get(tm.session, '/syncs/new')).text()
    expect(html).toContain('Тестовый режим API')
    expect(html).toContain('ничего не меняет в списках')
  })
})
