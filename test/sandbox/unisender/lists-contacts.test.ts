/** getLists, createList, exclude, unsubscribe and getContact. */
import { describe, expect, it } from 'vitest'
import {
  callUnisender,
  importPairs,
  installUnisenderSandbox,
} from '../../support/sandbox-unisender'

describe('getLists / createList', () => {
  it('creates a list and shows it in getLists of that account only', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const other = await uni.createAccount()
    const res = await callUnisender('createList', { api_key: acc.apiKey, title: 'VIP' })
    const id = (res.body as { result: { id: number } }).result.id
    expect((await callUnisender('getLists', { api_key: acc.apiKey })).body).toEqual({
      result: [{ id, title: 'VIP' }],
    })
    expect((await callUnisender('getLists', { api_key: other.apiKey })).body).toEqual({
      result: [],
    })
  })

  it('refuses a duplicate title in the same account, allows it in another', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const other = await uni.createAccount()
    await callUnisender('createList', { api_key: acc.apiKey, title: 'VIP' })
    const dup = await callUnisender('createList', { api_key: acc.apiKey, title: 'VIP' })
    expect(dup.body).toEqual({
      error: 'List with title "VIP" already exists',
      code: 'invalid_arg',
      result: '',
    })
    expect(await uni.lists(acc)).toHaveLength(1)
    const elsewhere = await callUnisender('createList', { api_key: other.apiKey, title: 'VIP' })
    expect(elsewhere.body).toMatchObject({ result: { id: expect.any(Number) } })
  })

  it('requires a title', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    expect((await callUnisender('createList', { api_key: acc.apiKey })).body).toMatchObject({
      code: 'invalid_arg',
    })
  })
})

describe('exclude', () => {
  it('removes the contact from the given lists only and keeps its status', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const a = await uni.createList(acc, 'A')
    const b = await uni.createList(acc, 'B')
    await uni.seedContacts(acc, [{ email: 'x@example.ru', lists: [a, b] }])
    const res = await callUnisender('exclude', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'x@example.ru',
      list_ids: String(a),
    })
    expect(res.body).toEqual({ result: {} })
    expect(await uni.activeEmails(a)).toEqual([])
    expect(await uni.activeEmails(b)).toEqual(['x@example.ru'])
    expect((await uni.contact(acc, 'x@example.ru'))!.status).toBe('active')
  })

  it('answers Contact "x" not found (unspecified) for an absent contact or a list it is not in', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const a = await uni.createList(acc, 'A')
    const b = await uni.createList(acc, 'B')
    await uni.seedContacts(acc, [{ email: 'x@example.ru', lists: [b] }])
    const absent = await callUnisender('exclude', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'test@example.org',
    })
    expect(absent.body).toEqual({
      error: 'Contact "test@example.org" not found',
      code: 'unspecified',
      result: '',
    })
    const notInList = await callUnisender('exclude', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'x@example.ru',
      list_ids: String(a),
    })
    expect(notInList.body).toMatchObject({ code: 'unspecified' })
  })

  it('removes the contact from all its lists when list_ids is omitted', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const a = await uni.createList(acc, 'A')
    const b = await uni.createList(acc, 'B')
    await uni.seedContacts(acc, [{ email: 'x@example.ru', lists: [a, b] }])
    await callUnisender('exclude', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'x@example.ru',
    })
    expect((await uni.contact(acc, 'x@example.ru'))!.lists).toEqual([])
  })
})

describe('unsubscribe', () => {
  it('marks the contact unsubscribed in the list, irreversibly for imports', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const a = await uni.createList(acc, 'A')
    await uni.seedContacts(acc, [{ email: 'x@example.ru', lists: [a] }])
    const res = await callUnisender('unsubscribe', {
      api_key: acc.apiKey,
      contact_type: 'email',
      contact: 'x@example.ru',
      list_ids: String(a),
    })
    expect(res.body).toEqual({ result: {} })
    expect(await uni.members(a)).toMatchObject([{ listStatus: 'unsubscribed', status: 'active' }])
    await callUnisender(
      'importContacts',
      importPairs(acc.apiKey, ['email', 'email_list_ids'], [['x@example.ru', String(a)]])
    )
    expect(await uni.members(a)).toMatchObject([{ listStatus: 'unsubscribed' }])
    expect(uni.calls('unsubscribe')).toBe(1)
  })
})

describe('getContact', () => {
  it('returns the status and, on request, the lists', async () => {
    const uni = await installUnisenderSandbox()
    const acc = await uni.createAccount()
    const a = await uni.createList(acc, 'A')
    await uni.seedContacts(acc, [{ email: 'x@example.ru', status: 'unsubscribed', lists: [a] }])
    const res = await callUnisender('getContact', {
      api_key: acc.apiKey,
      email: 'X@example.ru',
      include_lists: 1,
    })
    expect(res.body).toMatchObject({
      result: {
        email: { email: 'x@example.ru', status: 'unsubscribed' },
        lists: [{ id: a, status: 'active' }],
      },
    })
  })
})
