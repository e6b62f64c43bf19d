import { env, exports } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, it } from 'vitest'
import { clientSettings, tenantCrmClient } from '../../src/credentials/clients'
import { createDb } from '../../src/db/client'
import { syncs, tenants as tenantsTable } from '../../src/db/schema'
import { sha256Hex } from '../../src/lib/crypto'
import { signRegisterToken } from '../../src/tenants/register-token'
import { fakeCrm } from '../support/fake-crm'
import { makeAccount, makeSync } from '../support/fixtures'
import {
  allTenants,
  handoff,
  postForm,
  register,
  SECRET,
  sessionsOf,
  tenantByUrl,
} from '../support/marketplace'
import { loginAs } from '../support/session'

let shopSeq = 0
let SHOP = ''
beforeEach(() => {
  shopSeq++
  SHOP = `https://shop-${shopSeq}.retailcrm.ru`
})

describe('GET /retailcrm/config', () => {
  it('answers the scopes and the registerUrl', async () => {
    const res = await exports.default.fetch('https://module.test/retailcrm/config')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      success: true,
      scopes: ['integration_read', 'integration_write', 'customer_read'],
      registerUrl: 'https://module.test/retailcrm/register',
    })
  })
})

describe('POST /retailcrm/register', () => {
  it('connects a new shop: checks the key, registers the module, stores the tenant', async () => {
    const crm = fakeCrm(SHOP)
    const res = await register({ systemUrl: `${SHOP}/`, apiKey: 'crm-key-1234567890' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      success: true,
      accountUrl: 'https://module.test/retailcrm/login',
    })

    expect(crm.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/credentials',
      'POST /api/v5/integration-modules/unisender-segments/edit',
      'GET /api/v5/settings',
    ])
    expect(crm.calls.every((c) => c.apiKey === 'crm-key-1234567890')).toBe(true)
    const module = crm.calls[1]!.module!
    expect(module).toMatchObject({
      code: 'unisender-segments',
      integrationCode: 'unisender-segments',
      active: true,
      name: expect.any(String),
      logo: 'https://module.test/static/logo.svg',
      baseUrl: 'https://module.test',
      accountUrl: 'https://module.test/retailcrm/login',
      actions: { activity: '/retailcrm/activity', settings: '/retailcrm/settings' },
    })
    expect(module.clientId).toMatch(/^[0-9a-f]{64}$/) // 256 random bits

    const tenant = (await tenantByUrl(SHOP))!
    expect(tenant).toMatchObject({ active: true, frozen: false, brokenReason: null })
    expect(tenant.clientIdHash).toBe(await sha256Hex(module.clientId as string))
    expect(JSON.stringify(tenant)).not.toContain(module.clientId as string)
  })

  it('stores the key encrypted: the ciphertext does not contain it, yet it decrypts', async () => {
    fakeCrm(SHOP)
    const apiKey = 'secret-crm-key-ABCDEFGHIJ'
    await register({ systemUrl: SHOP, apiKey })
    const tenant = (await tenantByUrl(SHOP))!
    expect(tenant.crmApiKeyEnc).toMatch(/^v1\./)
    expect(tenant.crmApiKeyEnc).not.toContain(apiKey)
    expect(tenant.crmApiKeyEnc).not.toContain(btoa(apiKey).slice(0, 16))
    const crm = fakeCrm(SHOP, { apiKey })
    const client = await tenantCrmClient(clientSettings(env), tenant)
    await client.getCredentials()
    expect(crm.calls[0]!.apiKey).toBe(apiKey)
  })

  it.each([
    [
      'forged (signed with another secret)',
      async (k: string) => signRegisterToken('not-the-secret', k),
    ],
    ['signed for another key', async () => signRegisterToken(SECRET, 'another-key')],
    ['malformed (not hex)', async () => 'zz-not-a-token'],
    ['empty', async () => ''],
  ])('refuses a %s token with 401 and stores nothing', async (_name, makeToken) => {
    const crm = fakeCrm(SHOP)
    const before = await allTenants()
    const res = await register({ systemUrl: SHOP, apiKey: 'k-1', token: await makeToken('k-1') })
    expect(res.status).toBe(401)
    const body = (await res.json()) as { success: boolean; errorMsg: string }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toMatch(/token/)
    expect(await allTenants()).toEqual(before)
    expect(crm.calls).toEqual([])
  })

  it('refuses a register field without a token with 401', async () => {
    const before = await allTenants()
    fakeCrm(SHOP)
    const res = await postForm('/retailcrm/register', {
      register: JSON.stringify({ systemUrl: SHOP, apiKey: 'k-1' }),
    })
    expect(res.status).toBe(401)
    expect(await allTenants()).toEqual(before)
  })

  it.each([
    ['not JSON', { register: '{"systemUrl": ' }, /register: ожидается JSON/],
    ['JSON of the wrong shape', { register: '[1,2]' }, /register/],
    ['without apiKey', { register: JSON.stringify({ systemUrl: SHOP, token: 'x' }) }, /apiKey/],
    ['missing', { other: '1' }, /register/],
  ])('answers a %s register field with 400 and a readable message', async (_n, form, msg) => {
    const before = await allTenants()
    const res = await postForm('/retailcrm/register', form)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { success: boolean; errorMsg: string }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toMatch(msg)
    expect(await allTenants()).toEqual(before)
  })

  it('accepts register[...] form fields too', async () => {
    fakeCrm(SHOP)
    const res = await postForm('/retailcrm/register', {
      'register[systemUrl]': SHOP,
      'register[apiKey]': 'k-form',
      'register[token]': await signRegisterToken(SECRET, 'k-form'),
    })
    expect(await res.json()).toMatchObject({ success: true })
  })

  it.each([
    ['a non-RetailCRM domain', 'https://evil.example.com'],
    ['a look-alike domain', 'https://shop.retailcrm.ru.evil.com'],
    ['plain http on a CRM domain', 'http://shop.retailcrm.ru'],
    ['the bare CRM domain', 'https://retailcrm.ru'],
    ['http on localhost (not allowed here)', 'http://localhost:8788/crm/shop'],
  ])('refuses %s as systemUrl without calling it', async (_n, systemUrl) => {
    const before = await allTenants()
    const res = await register({ systemUrl, apiKey: 'k-2' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errorMsg: string }).errorMsg).toMatch(/systemUrl|RetailCRM/)
    expect(await allTenants()).toEqual(before)
  })

  it('accepts http on localhost when ALLOW_INSECURE_LOCALHOST=1 (development)', async () => {
    const crm = fakeCrm('http://localhost:8788')
    const res = await register(
      { systemUrl: 'http://localhost:8788/crm/demo/', apiKey: 'k-local' },
      { ALLOW_INSECURE_LOCALHOST: '1' }
    )
    expect(await res.json()).toMatchObject({ success: true })
    expect(crm.calls[0]!.path).toBe('/crm/demo/api/credentials')
    expect(await tenantByUrl('http://localhost:8788/crm/demo')).toBeDefined()
  })

  it('names missing scopes in a message a person can act on and stores nothing', async () => {
    const before = await allTenants()
    const crm = fakeCrm(SHOP, { scopes: ['integration_read', 'integration_write'] })
    const res = await register({ systemUrl: SHOP, apiKey: 'k-3' })
    const body = (await res.json()) as { success: boolean; errorMsg: string }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toContain('customer_read')
    expect(body.errorMsg).toMatch(/подключите модуль снова/)
    expect(crm.calls.map((c) => c.path)).toEqual(['/api/credentials'])
    expect(await allTenants()).toEqual(before)
  })

  it('explains a key the CRM refuses', async () => {
    const before = await allTenants()
    fakeCrm(SHOP, {
      credentialsError: {
        status: 401,
        body: { success: false, errorMsg: 'Wrong "apiKey" value.' },
      },
    })
    const body = (await (await register({ systemUrl: SHOP, apiKey: 'k-4' })).json()) as {
      success: boolean
      errorMsg: string
    }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toMatch(/отклонил API-ключ/)
    expect(await allTenants()).toEqual(before)
  })

  it('leaves no tenant behind when /edit fails, with a clear message', async () => {
    const before = await allTenants()
    fakeCrm(SHOP, {
      editError: { status: 400, body: { success: false, errorMsg: 'Module code is invalid' } },
    })
    const res = await register({ systemUrl: SHOP, apiKey: 'k-5' })
    const body = (await res.json()) as { success: boolean; errorMsg: string }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toContain('регистрации модуля')
    expect(body.errorMsg).toContain('Module code is invalid')
    expect(await allTenants()).toEqual(before)
  })

  it('reconnect: same tenant and syncs, new key and clientId, broken mark cleared, full reconcile', async () => {
    const first = fakeCrm(SHOP)
    await register({ systemUrl: SHOP, apiKey: 'old-key-1' })
    const oldClientId = first.calls[1]!.module!.clientId as string
    const tenant = (await tenantByUrl(SHOP))!
    const db = createDb(env.DB)
    const account = await makeAccount(tenant.id)
    const sync = await makeSync(tenant.id, account.id)
    await db
      .update(tenantsTable)
      .set({ brokenReason: 'RetailCRM refused the key', lastReconcileAt: 123 })
      .where(eq(tenantsTable.id, tenant.id))
    await loginAs(tenant.id)

    const second = fakeCrm(SHOP)
    const res = await register({ systemUrl: SHOP, apiKey: 'new-key-2' })
    expect(await res.json()).toMatchObject({ success: true })
    const newClientId = second.calls[1]!.module!.clientId as string
    expect(newClientId).not.toBe(oldClientId)

    expect((await allTenants()).filter((t) => t.systemUrl === SHOP)).toHaveLength(1)
    const after = (await tenantByUrl(SHOP))!
    expect(after.id).toBe(tenant.id)
    expect(after.crmApiKeyEnc).not.toBe(tenant.crmApiKeyEnc)
    expect(after.clientIdHash).toBe(await sha256Hex(newClientId))
    expect(after.brokenReason).toBeNull()
    expect(after.lastReconcileAt).toBeNull()
    expect(await db.select().from(syncs).where(eq(syncs.tenantId, tenant.id))).toEqual([sync])
    expect(await sessionsOf(tenant.id)).toEqual([])

    const check = fakeCrm(SHOP, { apiKey: 'new-key-2' })
    await (await tenantCrmClient(clientSettings(env), after)).getCredentials()
    expect(check.calls).toHaveLength(1)

    const oldLogin = await handoff(oldClientId, SHOP)
    expect(oldLogin.status).toBe(401)
    const newLogin = await handoff(newClientId, SHOP)
    expect(newLogin.status).toBe(303)
  })

  it('reconnect whose /edit fails keeps the old key and clientId', async () => {
    const first = fakeCrm(SHOP)
    await register({ systemUrl: SHOP, apiKey: 'old-key-1' })
    const oldClientId = first.calls[1]!.module!.clientId as string
    const before = (await tenantByUrl(SHOP))!

    fakeCrm(SHOP, {
      editError: { status: 503, body: { success: false, errorMsg: 'Service unavailable' } },
    })
    const body = (await (await register({ systemUrl: SHOP, apiKey: 'new-key-2' })).json()) as {
      success: boolean
      errorMsg: string
    }
    expect(body.success).toBe(false)
    expect(body.errorMsg).toMatch(/ещё раз через минуту/)
    expect(await tenantByUrl(SHOP)).toEqual(before)
    expect((await handoff(oldClientId, SHOP)).status).toBe(303)
  })

  it('names a missing RETAILCRM_MODULE_SECRET, without a stack trace', async () => {
    const before = await allTenants()
    const res = await register(
      { systemUrl: SHOP, apiKey: 'k', token: 'a'.repeat(64) },
      { RETAILCRM_MODULE_SECRET: undefined }
    )
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(text).toContain('RETAILCRM_MODULE_SECRET is missing')
    expect(text).not.toMatch(/\n\s+at |\.ts:\d+/)
    expect(await allTenants()).toEqual(before)
  })
})
