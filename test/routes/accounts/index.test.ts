import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDb } from '../../../src/db/client'
import { getAccount, listAccounts } from '../../../src/db/queries/accounts'
import { getSync } from '../../../src/db/queries/syncs'
import { decryptSecret, importKey, secretAad } from '../../../src/lib/crypto'
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
  stubUnisender({
    'good-key-1234': { login: 'shop', total: 1000, used: 250 },
    'test-key-5678': { login: 'shop', apiMode: 'test', total: 1000, used: 0 },
    'off-key-0000': { login: 'shop', denied: true },
  })
})

describe('GET /accounts', () => {
  it('shows the article labels, an empty state and the "Новый аккаунт" button', async () => {
    const res = await get(s, '/accounts')
    expect(res.status).toBe(200)
    const html = await res.text()
    for (const label of [
      'Мои аккаунты',
      'Мои страницы Unisender',
      'Новый аккаунт',
      'Частые вопросы',
    ])
      expect(html).toContain(label)
    expect(html).toContain('href="/accounts/new"')
  })

  it('shows each card with masked key, plan limit and usage, and test mode', async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const html = await (await get(s, '/accounts')).text()
    expect(html).toContain('••••1234')
    expect(html).not.toContain('good-key-1234')
    expect(html).toMatch(/Контакты по тарифу: 250 из 1[\s\u00a0\u202f]?000/)
  })

  it('is in English with ?lang=en', async () => {
    const html = await (await get(s, '/accounts?lang=en')).text()
    expect(html).toContain('My Unisender pages')
    expect(html).toContain('<html lang="en">')
  })
})

describe('POST /accounts', () => {
  it('saves a checked key encrypted for its row and redirects to the list', async () => {
    const res = await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/accounts?done=saved')
    const [a] = await listAccounts(db(), tenantId)
    expect(a!.login).toBe('shop')
    expect(a!.apiKeyEnc).not.toContain('good-key')
    const key = await importKey(env.ENCRYPTION_KEY!)
    expect(await decryptSecret(key, a!.apiKeyEnc, secretAad.unisenderKey(tenantId, a!.id))).toBe(
      'good-key-1234'
    )
  })

  it.each([
    [{ login: '', apiKey: 'good-key-1234' }, 'Укажите логин Unisender.'],
    [{ login: 'shop', apiKey: '' }, 'Укажите API-ключ.'],
    [{ login: 'x'.repeat(101), apiKey: 'good-key-1234' }, 'Логин длиннее 100 символов.'],
    [{ login: 'shop', apiKey: 'has space' }, 'без пробелов'],
    [{ login: 'shop', apiKey: 'wrong-key' }, 'Unisender не принял этот API-ключ'],
    [{ login: 'shop', apiKey: 'off-key-0000' }, 'Доступ к API отключён'],
  ])('refuses %o with a message in the form and saves nothing', async (fields, message) => {
    const res = await post(s, '/accounts', fields)
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain(message)
    expect(html).toContain('Настройка аккаунта → Интеграция и API')
    expect(await listAccounts(db(), tenantId)).toHaveLength(0)
  })

  it('asks to confirm test mode, then saves with the warning flag', async () => {
    const first = await post(s, '/accounts', { login: 'shop', apiKey: 'test-key-5678' })
    expect(first.status).toBe(422)
    expect(await first.text()).toContain('тестовом режиме API')
    expect(await listAccounts(db(), tenantId)).toHaveLength(0)
    const second = await post(s, '/accounts', {
      login: 'shop',
      apiKey: 'test-key-5678',
      acceptTestMode: '1',
    })
    expect(second.status).toBe(303)
    const [a] = await listAccounts(db(), tenantId)
    expect(a!.testMode).toBe(true)
    expect(await (await get(s, '/accounts')).text()).toContain('Тестовый режим API')
  })

  it('escapes markup in the login', async () => {
    stubUnisender({ 'markup-key-1': { login: '<b>x</b>', total: 1000, used: 0 } })
    await post(s, '/accounts', { login: '<b>x</b>', apiKey: 'markup-key-1' })
    const html = await (await get(s, '/accounts')).text()
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;')
    expect(html).not.toContain('<b>x</b>')
  })

  it('refuses a second account with the same login', async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const res = await post(s, '/accounts', { login: 'SHOP', apiKey: 'good-key-1234' })
    expect(res.status).toBe(422)
    expect(await listAccounts(db(), tenantId)).toHaveLength(1)
  })

  it('keeps several accounts per shop', async () => {
    stubUnisender({
      'key-one-1111': { login: 'one', total: 1000, used: 0 },
      'key-two-2222': { login: 'two', total: 1000, used: 0 },
    })
    await post(s, '/accounts', { login: 'one', apiKey: 'key-one-1111' })
    await post(s, '/accounts', { login: 'two', apiKey: 'key-two-2222' })
    expect((await listAccounts(db(), tenantId)).map((a) => a.login)).toEqual(['one', 'two'])
  })

  it("refuses a login that is not the key's own, naming the login Unisender reports", async () => {
    const res = await post(s, '/accounts', { login: 'someone-else', apiKey: 'good-key-1234' })
    expect(res.status).toBe(422)
    const html = await res.text()
    expect(html).toContain('Этот API-ключ принадлежит аккаунту «shop», а не «someone-else»')
    expect(await listAccounts(db(), tenantId)).toHaveLength(0)
  })

  it("accepts the key's login in another case", async () => {
    const res = await post(s, '/accounts', { login: 'Shop', apiKey: 'good-key-1234' })
    expect(res.status).toBe(303)
  })

  it('refuses a key that is already saved, whatever login is typed', async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const res = await post(s, '/accounts', { login: 'other', apiKey: 'good-key-1234' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Аккаунт с логином «shop» уже добавлен.')
    expect(await listAccounts(db(), tenantId)).toHaveLength(1)
  })

  it('rejects a post without the CSRF token', async () => {
    const res = await post(
      s,
      '/accounts',
      { login: 'shop', apiKey: 'good-key-1234' },
      { csrf: false }
    )
    expect(res.status).toBe(403)
    expect(await listAccounts(db(), tenantId)).toHaveLength(0)
  })
})

describe('edit and delete', () => {
  it("changes the login's case and keeps the key when the key field is empty", async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const [a] = await listAccounts(db(), tenantId)
    const res = await post(s, `/accounts/${a!.id}`, { login: 'SHOP', apiKey: '' })
    expect(res.status).toBe(303)
    const b = await getAccount(db(), tenantId, a!.id)
    expect(b!.login).toBe('SHOP')
    expect(b!.apiKeyEnc).toBe(a!.apiKeyEnc)
  })

  it("refuses renaming to a login that is not the stored key's", async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const [a] = await listAccounts(db(), tenantId)
    const res = await post(s, `/accounts/${a!.id}`, { login: 'renamed', apiKey: '' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('принадлежит аккаунту «shop»')
    expect((await getAccount(db(), tenantId, a!.id))!.login).toBe('shop')
  })

  it('asks for confirmation naming the syncs, then pauses them and hides the account', async () => {
    const a = await makeAccount(tenantId)
    const sync = await makeSync(tenantId, a.id)
    const page = await (await get(s, `/accounts/${a.id}/delete`)).text()
    expect(page).toContain('Аккаунт используют синхронизации: 1')
    const res = await post(s, `/accounts/${a.id}/delete`, {})
    expect(res.status).toBe(303)
    expect(await getAccount(db(), tenantId, a.id)).toBeNull()
    const after = await getSync(db(), tenantId, sync.id)
    expect(after).toMatchObject({ state: 'paused', pausedReason: 'account_deleted' })
  })
})

describe('another tenant', () => {
  it('gets 404 for every id-bearing account route', async () => {
    const other = (await makeConnectedTenant()).tenant.id
    const a = await makeAccount(other)
    for (const path of [`/accounts/${a.id}/edit`, `/accounts/${a.id}/delete`])
      expect((await get(s, path)).status).toBe(404)
    expect((await post(s, `/accounts/${a.id}`, { login: 'x', apiKey: '' })).status).toBe(404)
    expect((await post(s, `/accounts/${a.id}/delete`, {})).status).toBe(404)
    expect(await getAccount(db(), other, a.id)).not.toBeNull()
  })
})

describe('editing the key', () => {
  it('checks a new key and keeps the old one when Unisender refuses it', async () => {
    await post(s, '/accounts', { login: 'shop', apiKey: 'good-key-1234' })
    const [a] = await listAccounts(db(), tenantId)
    const res = await post(s, `/accounts/${a!.id}`, { login: 'shop', apiKey: 'wrong-key' })
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('Unisender не принял этот API-ключ')
    expect((await getAccount(db(), tenantId, a!.id))!.apiKeyEnc).toBe(a!.apiKeyEnc)
    const ok = await post(s, `/accounts/${a!.id}`, {
      login: 'shop',
      apiKey: 'test-key-5678',
      acceptTestMode: '1',
    })
    expect(ok.status).toBe(303)
    const b = await getAccount(db(), tenantId, a!.id)
    expect(b).toMatchObject({ testMode: true, apiKeyHint: '••••5678' })
  })
})
