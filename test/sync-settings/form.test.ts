/**
 * The sync form's checks (src/sync-settings/form.ts) as the form shows them: each refusal with its
 * message, and the plan-too-small warning that a confirmation overrides.
 */
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { listSyncs } from '../../src/db/queries/syncs'
import { runs } from '../../src/db/schema'
import { makeRun } from '../support/fixtures'
import { get, post } from '../support/requests'
import { makeSyncPagesWorld, type SyncPagesWorld, syncFormFields } from '../support/world'

const db = () => createDb(env.DB)
let w: SyncPagesWorld

beforeEach(async () => {
  w = await makeSyncPagesWorld()
})

describe('POST /syncs', () => {
  it.each([
    [{ segmentId: '' }, 'Выберите сегмент или отметьте «Выгрузить всех покупателей».'],
    [{ accountId: '' }, 'Выберите аккаунт Unisender.'],
    [{ listId: '' }, 'Выберите список или отметьте «Создать сегмент с одноименным названием».'],
    [{ mode: '' }, 'Выберите способ синхронизации.'],
    [{ mode: 'mirror' }, 'Выберите способ синхронизации.'],
    [{ segmentId: '99999' }, 'Этого сегмента больше нет в RetailCRM.'],
    [{ listId: '99999' }, 'Этого списка больше нет в Unisender.'],
    [{ createList: '1', listTitle: 'x'.repeat(256) }, 'Название списка длиннее 255 символов.'],
    [
      { listTitle: 'Моя рассылка' },
      'Название нового списка используется только с галкой «Создать сегмент с одноименным названием».',
    ],
  ])('refuses %o with a message in the form and saves nothing', async (over, message) => {
    const res = await post(w.session, '/syncs', await syncFormFields(w, over))
    expect(res.status).toBe(422)
    expect(await res.text()).toContain(message)
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(0)
    expect(w.sent).toHaveLength(0)
  })

  it('refuses an inactive (deleted) segment', async () => {
    const res = await post(
      w.session,
      '/syncs',
      await syncFormFields(w, { segmentId: String(w.seg('old')) })
    )
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Этого сегмента больше нет в RetailCRM.')
  })

  it('refuses the same segment and list twice', async () => {
    expect((await post(w.session, '/syncs', await syncFormFields(w))).status).toBe(303)
    const res = await post(w.session, '/syncs', await syncFormFields(w, { mode: 'union' }))
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Синхронизация этого сегмента с этим списком уже есть.')
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(1)
  })
})

describe('plan too small', () => {
  it('warns "Проверьте ваш тарифный план" before saving and saves after confirmation', async () => {
    const small = await makeSyncPagesWorld({ contactLimit: 10 })
    const f = await syncFormFields(small)
    const res = await post(small.session, '/syncs', f)
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('Проверьте ваш тарифный план')
    expect(html).toContain('Я проверил тариф, всё равно сохранить')
    expect(await listSyncs(db(), small.tenant.id)).toHaveLength(0)
    expect((await post(small.session, '/syncs', { ...f, planConfirmed: '1' })).status).toBe(303)
    expect(await listSyncs(db(), small.tenant.id)).toHaveLength(1)
  })

  it('does not warn on re-save when the last run shows the segment is already in Unisender', async () => {
    // 50 free contacts of 60 are used by the segment's own members, added by the last run.
    const w6 = await makeSyncPagesWorld({ contactLimit: 60 })
    const f = await syncFormFields(w6, { mode: 'union' })
    expect((await post(w6.session, '/syncs', f)).status).toBe(303)
    const [s] = await listSyncs(db(), w6.tenant.id)
    await db().update(runs).set({ status: 'done' }).where(eq(runs.syncId, s!.id))
    await makeRun(w6.tenant.id, s!.id, {
      status: 'done',
      counts: JSON.stringify({ readFromCrm: 50, added: 50, listBefore: 0 }),
    })
    await w6.uni.seedContacts(
      w6.uniAccount,
      Array.from({ length: 50 }, (_, i) => ({ email: `member${i}@example.org` }))
    )
    const res = await post(w6.session, `/syncs/${s!.id}`, f)
    expect(res.status).toBe(303)
  })

  it('still warns on re-save when the estimated new contacts do not fit', async () => {
    const w6 = await makeSyncPagesWorld({ contactLimit: 60 })
    const f = await syncFormFields(w6, { mode: 'union' })
    expect((await post(w6.session, '/syncs', f)).status).toBe(303)
    const [s] = await listSyncs(db(), w6.tenant.id)
    await db().update(runs).set({ status: 'done' }).where(eq(runs.syncId, s!.id))
    // The last dry run would add 50, and the account has 20 contacts of 60: 40 free.
    await makeRun(w6.tenant.id, s!.id, {
      status: 'done',
      dryRun: true,
      counts: JSON.stringify({ readFromCrm: 50, plannedAdd: 50 }),
    })
    await w6.uni.seedContacts(
      w6.uniAccount,
      Array.from({ length: 20 }, (_, i) => ({ email: `other${i}@example.org` }))
    )
    const res = await post(w6.session, `/syncs/${s!.id}`, f)
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Проверьте ваш тарифный план')
  })

  it('never asks for subtraction, which adds nobody', async () => {
    const small = await makeSyncPagesWorld({ contactLimit: 10 })
    const res = await post(
      small.session,
      '/syncs',
      await syncFormFields(small, { mode: 'subtract' })
    )
    expect(res.status).toBe(303)
  })
})

describe('while a run of the same shop uses the CRM budget', () => {
  it('the form still lists the segments: reads wait briefly and retry', async () => {
    w.crm.faults.set({ rateLimited: 2 })
    const html = await (await get(w.session, '/syncs/new')).text()
    expect(html).not.toContain('Rate limit exceeded')
    expect(html).toContain('Постоянные — 50 покуп., динамический')
  })

  it('saving succeeds: the segment is re-read with retries', async () => {
    const f = await syncFormFields(w)
    w.crm.faults.set({ rateLimited: 3 })
    const res = await post(w.session, '/syncs', f)
    expect(res.status).toBe(303)
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(1)
  })

  it('the segment list comes from a short cache when the CRM keeps refusing', async () => {
    expect(await (await get(w.session, '/syncs/new')).text()).toContain('Постоянные')
    w.crm.faults.set({ rateLimited: 1000 })
    const html = await (await get(w.session, '/syncs/new')).text()
    expect(html).toContain('Постоянные — 50 покуп., динамический')
    expect(html).not.toContain('Не удалось получить сегменты RetailCRM')
  })
})

describe('two syncs writing one list', () => {
  const save = async (over: Record<string, string>) =>
    post(w.session, '/syncs', await syncFormFields(w, over))

  it('refuses an exact sync on a list another sync writes, naming it', async () => {
    expect((await save({ allCustomers: '1', segmentId: '', mode: 'union' })).status).toBe(303)
    const res = await save({ mode: 'exact' })
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('В этот список уже пишет синхронизация «Все покупатели»')
    expect(html).toContain('точное соответствие')
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(1)
  })

  it('refuses another sync on a list an exact sync writes', async () => {
    expect((await save({ mode: 'exact' })).status).toBe(303)
    const res = await save({ allCustomers: '1', segmentId: '', mode: 'union' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('В этот список уже пишет синхронизация «Постоянные»')
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(1)
  })

  it('says the list is shared before saving a second union or subtraction, then saves on confirmation', async () => {
    expect((await save({ mode: 'union' })).status).toBe(303)
    const f = { allCustomers: '1', segmentId: '', mode: 'subtract' }
    const res = await save(f)
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('Этот список уже использует синхронизация «Постоянные»')
    expect(html).toContain('Понимаю, всё равно сохранить')
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(1)
    expect((await save({ ...f, listSharedConfirmed: '1' })).status).toBe(303)
    expect(await listSyncs(db(), w.tenant.id)).toHaveLength(2)
  })

  it('the list of syncs says which list each one writes', async () => {
    expect((await save({ mode: 'union' })).status).toBe(303)
    const html = await (await get(w.session, '/syncs')).text()
    expect(html).toContain('Список Unisender')
    expect(html).toContain('Рассылка')
  })
})
