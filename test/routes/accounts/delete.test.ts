/**
 * Deleting a Unisender account (#13 point 5): the confirmation names the syncs it stops, they can be
 * moved to another account at once, every button of a stopped sync says why it does nothing, and
 * adding the account again resumes them.
 */
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getAccount, listAccounts } from '../../../src/db/queries/accounts'
import { getSync } from '../../../src/db/queries/syncs'
import { makeAccount, makeSync } from '../../support/fixtures'
import { get, post, stubUnisender } from '../../support/requests'
import { loginAs, type TestSession } from '../../support/session'
import { makeConnectedTenant } from '../../support/world'

const db = () => createDb(env.DB)
let tenantId: number
let s: TestSession

beforeEach(async () => {
  tenantId = (await makeConnectedTenant()).tenant.id
  s = await loginAs(tenantId)
  stubUnisender({ 'good-key-1234': { login: 'shop', total: 1000, used: 0 } })
})

describe('before deletion', () => {
  it('names the syncs it will stop and offers to move them to another account', async () => {
    const a = await makeAccount(tenantId, { login: 'old' })
    await makeAccount(tenantId, { login: 'other' })
    await makeSync(tenantId, a.id, { segmentName: 'VIP', listTitle: 'Клиенты' })
    await makeSync(tenantId, a.id, { segmentName: 'Новые', listTitle: 'Рассылка', segmentId: 2 })
    const html = await (await get(s, `/accounts/${a.id}/delete`)).text()
    expect(html).toContain('VIP → Клиенты')
    expect(html).toContain('Новые → Рассылка')
    expect(html).toContain('Перенести синхронизации на аккаунт')
    expect(html).toContain('>other</option>')
  })
})

describe('moving the syncs at deletion', () => {
  it('moves them to the chosen account, active, writing a list of the same title there', async () => {
    const a = await makeAccount(tenantId, { login: 'old' })
    const b = await makeAccount(tenantId, { login: 'other' })
    const sync = await makeSync(tenantId, a.id, { listId: 10, listTitle: 'Клиенты' })
    const res = await post(s, `/accounts/${a.id}/delete`, { moveTo: String(b.id) })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/accounts?done=deletedMoved')
    expect(await getAccount(db(), tenantId, a.id)).toBeNull()
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      unisenderAccountId: b.id,
      state: 'active',
      pausedReason: null,
      listId: null,
      createList: true,
      listTitle: 'Клиенты',
    })
    expect(await (await get(s, '/accounts?done=deletedMoved')).text()).toContain(
      'Синхронизации перенесены'
    )
  })

  it("refuses another tenant's account as the target", async () => {
    const a = await makeAccount(tenantId, { login: 'old' })
    const other = (await makeConnectedTenant()).tenant.id
    const foreign = await makeAccount(other, { login: 'x' })
    const sync = await makeSync(tenantId, a.id)
    await post(s, `/accounts/${a.id}/delete`, { moveTo: String(foreign.id) })
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      unisenderAccountId: a.id,
      pausedReason: 'account_deleted',
    })
  })
})

describe('a sync whose account is gone', () => {
  it('«Запустить сейчас» and «Возобновить» say why instead of doing nothing', async () => {
    const a = await makeAccount(tenantId, { login: 'old' })
    const sync = await makeSync(tenantId, a.id)
    await post(s, `/accounts/${a.id}/delete`, {})
    for (const action of ['run', 'dry-run', 'resume', 'pause']) {
      const res = await post(s, `/syncs/${sync.id}/${action}`, {})
      expect(res.headers.get('location')).toBe(`/syncs/${sync.id}?done=accountGone`)
    }
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      pausedReason: 'account_deleted',
    })
    const html = await (await get(s, `/syncs/${sync.id}?done=accountGone`)).text()
    expect(html).toContain('Аккаунт Unisender этой синхронизации удалён')
  })

  it('resumes when the same login is added again, and says so', async () => {
    const a = await makeAccount(tenantId, { login: 'shop' })
    const sync = await makeSync(tenantId, a.id, { listId: 10 })
    await post(s, `/accounts/${a.id}/delete`, {})
    const res = await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/accounts?done=savedResumed')
    const [fresh] = await listAccounts(db(), tenantId)
    expect(await getSync(db(), tenantId, sync.id)).toMatchObject({
      unisenderAccountId: fresh!.id,
      state: 'active',
      pausedReason: null,
      listId: 10,
    })
    expect(await (await get(s, '/accounts?done=savedResumed')).text()).toContain(
      'Синхронизации этого аккаунта снова работают'
    )
  })
})
