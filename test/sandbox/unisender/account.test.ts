/** getUserInfo, getTotalContactsCount, the plan's contact limit and test mode. */
import { describe, expect, it } from 'vitest'
import {
  callUnisender,
  importPairs,
  installUnisenderSandbox,
} from '../../support/sandbox-unisender'

const rows = (from: number, n: number, list: number) =>
  Array.from({ length: n }, (_, i) => [`c${from + i}@example.ru`, String(list)])

describe('getUserInfo / getTotalContactsCount', () => {
  it('reports the plan limit and usage', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ contactLimit: 1000 })
    await uni.seedContacts(acc, [{ email: 'a@example.ru' }, { email: 'b@example.ru' }])
    const info = await callUnisender('getUserInfo', { api_key: acc.apiKey })
    expect(info.body).toMatchObject({
      result: {
        login: acc.login,
        email: expect.any(String),
        balance: expect.any(Number),
        currency: 'RUB',
        subscribers_total: 1000,
        subscribers_used: 2,
        api_mode: 'on',
      },
    })
    const total = await callUnisender('getTotalContactsCount', {
      api_key: acc.apiKey,
      login: acc.login,
    })
    expect(total.body).toEqual({ result: { total: 2 } })
  })

  it("requires login for getTotalContactsCount and refuses another account's", async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    expect(
      (await callUnisender('getTotalContactsCount', { api_key: acc.apiKey })).body
    ).toMatchObject({
      code: 'invalid_arg',
    })
    const res = await callUnisender('getTotalContactsCount', { api_key: acc.apiKey, login: 'demo' })
    expect(res.body).toMatchObject({ code: 'access_denied' })
  })
})

describe('plan contact limit', () => {
  it('fails the whole import that would exceed it and writes nothing', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ contactLimit: 10 })
    const list = await uni.createList(acc, 'L')
    const first = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], rows(0, 8, list))
    )
    expect(first.body).toMatchObject({ result: { inserted: 8 } })
    // 2 existing (updates) + 3 new = 11 contacts > 10
    const over = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], rows(6, 5, list))
    )
    expect(over.body).toMatchObject({ code: 'unspecified', result: '' })
    expect((over.body as { error: string }).error).toMatch(/limit.*tariff|tariff.*limit/i)
    expect(await uni.contactCount(acc)).toBe(8)
    expect(await uni.members(list)).toHaveLength(8)
    // exactly up to the limit is fine
    const fits = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], rows(6, 4, list))
    )
    expect(fits.body).toMatchObject({ result: { inserted: 2, updated: 2 } })
    expect(await uni.contactCount(acc)).toBe(10)
  })

  it('still updates existing contacts of a full account', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ contactLimit: 1 })
    const list = await uni.createList(acc, 'L')
    await uni.seedContacts(acc, [{ email: 'a@example.ru' }])
    const res = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], [['a@example.ru', String(list)]])
    )
    expect(res.body).toMatchObject({ result: { updated: 1 } })
  })

  it('holds under concurrent imports (enforced inside the write too)', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ contactLimit: 5 })
    const list = await uni.createList(acc, 'L')
    const results = await Promise.all([
      callUnisender(
        'importContacts',
        importPairs(acc.apiKey, ['email', 'email_list_ids'], rows(0, 3, list))
      ),
      callUnisender(
        'importContacts',
        importPairs(acc.apiKey, ['email', 'email_list_ids'], rows(10, 3, list))
      ),
    ])
    const codes = results.map((r) => (r.body as { code?: string }).code ?? 'ok').sort()
    expect(codes).toEqual(['ok', 'unspecified'])
    expect(await uni.contactCount(acc)).toBe(3)
  })
})

describe('plan contact limit in the database', () => {
  it('refuses any insert past the limit, whatever path writes it', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ contactLimit: 2 })
    await uni.seedContacts(acc, [{ email: 'a@example.ru' }, { email: 'b@example.ru' }])
    await expect(uni.seedContacts(acc, [{ email: 'c@example.ru' }])).rejects.toThrow(
      /uni_plan_limit/
    )
    expect(await uni.contactCount(acc)).toBe(2)
  })
})

describe('test mode', () => {
  it('reports success for writes and changes nothing', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount({ testMode: true })
    const list = await uni.createList(acc, 'L')
    await uni.seedContacts(acc, [{ email: 'old@example.ru', lists: [list] }])
    const created = await callUnisender('createList', { api_key: acc.apiKey, title: 'New' })
    expect(created.body).toEqual({ result: { id: expect.any(Number) } })
    const imp = await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], [['new@example.ru', String(list)]])
    )
    expect(imp.body).toMatchObject({ result: { total: 1, inserted: 1 } })
    const ex = await callUnisender('exclude', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'old@example.ru',
      list_ids: String(list),
    })
    expect(ex.body).toEqual({ result: {} })
    expect((await uni.lists(acc)).map((l) => l.title)).toEqual(['L'])
    expect(await uni.activeEmails(list)).toEqual(['old@example.ru'])
    expect(await uni.contactCount(acc)).toBe(1)
    const info = await callUnisender('getUserInfo', { api_key: acc.apiKey })
    expect(info.body).toMatchObject({ result: { api_mode: 'test' } })
  })
})
