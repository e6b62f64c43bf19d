/** importContacts: limits, table encoding, counters and the log. */
import { describe, expect, it } from 'vitest'
import {
  callUnisender,
  importPairs,
  installUnisenderSandbox,
} from '../../support/sandbox-unisender'

async function setup() {
  const uni = await installUnisenderSandbox()
  const acc = await uni.createAccount()
  const list = await uni.createList(acc, 'Segment')
  const other = await uni.createList(acc, 'Other')
  const imp = async (fields: string[], rows: string[][], extra: Record<string, string> = {}) =>
    (await callUnisender('importContacts', importPairs(acc.apiKey, fields, rows, extra))).body as {
      result?: Record<string, unknown> & { log: { index: number; code: string }[] }
      error?: string
      code?: string
    }
  return { uni, acc, list, other, imp }
}

describe('importContacts: shape and limits', () => {
  it('imports new addresses with status new and reports the counters', async () => {
    const { uni, list, imp } = await setup()
    const res = await imp(
      ['email', 'email_list_ids'],
      [
        ['a@example.ru', String(list)],
        ['B@Example.RU', String(list)],
      ]
    )
    expect(res).toEqual({
      result: { total: 2, inserted: 2, updated: 0, deleted: 0, new_emails: 2, invalid: 0, log: [] },
    })
    expect(await uni.members(list)).toMatchObject([
      { email: 'a@example.ru', status: 'new', listStatus: 'active' },
      { email: 'b@example.ru', status: 'new', listStatus: 'active' },
    ])
  })

  it('counts existing addresses as updated and is idempotent', async () => {
    const { uni, list, imp } = await setup()
    const rows = [['a@example.ru', String(list)]]
    await imp(['email', 'email_list_ids'], rows)
    const again = await imp(['email', 'email_list_ids'], rows)
    expect(again.result).toMatchObject({ total: 1, inserted: 0, updated: 1, new_emails: 1 })
    expect(await uni.activeEmails(list)).toEqual(['a@example.ru'])
  })

  it('accepts 500 rows and refuses 501 without writing anything', async () => {
    const { uni, acc, list, imp } = await setup()
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => [`u${i}@example.ru`, String(list)])
    const big = await imp(['email', 'email_list_ids'], rows(501))
    expect(big).toMatchObject({ code: 'invalid_arg', result: '' })
    expect(await uni.contactCount(acc)).toBe(0)
    const ok = await imp(['email', 'email_list_ids'], rows(500))
    expect(ok.result).toMatchObject({ total: 500, inserted: 500 })
    expect(await uni.contactCount(acc)).toBe(500)
    expect(await uni.members(list)).toHaveLength(500)
  })

  it('requires email or phone among field_names', async () => {
    const { imp } = await setup()
    expect(await imp(['tags'], [['x']])).toMatchObject({ code: 'invalid_arg' })
  })

  it('refuses unknown columns and rows wider than field_names', async () => {
    const { imp } = await setup()
    expect(await imp(['email', 'segment'], [['a@example.ru', 'x']])).toMatchObject({
      code: 'invalid_arg',
    })
    expect(await imp(['email'], [['a@example.ru', 'extra']])).toMatchObject({ code: 'invalid_arg' })
  })

  it('refuses data sent without indices (data[] is not a table)', async () => {
    const { acc } = await setup()
    const res = await callUnisender('importContacts', [
      ['api_key', acc.apiKey],
      ['field_names[0]', 'email'],
      ['data[]', 'a@example.ru'],
    ])
    expect(res.body).toMatchObject({ code: 'invalid_arg' })
  })

  it('refuses list ids of another account or that do not exist, whole call', async () => {
    const { uni, acc, list, imp } = await setup()
    const stranger = await uni.createAccount()
    const foreign = await uni.createList(stranger, 'Theirs')
    const res = await imp(
      ['email', 'email_list_ids'],
      [
        ['a@example.ru', String(list)],
        ['b@example.ru', `${list},${foreign}`],
      ]
    )
    expect(res).toMatchObject({ code: 'invalid_arg' })
    expect(await uni.contactCount(acc)).toBe(0)
    expect(await imp(['email', 'email_list_ids'], [['a@example.ru', '1;2']])).toMatchObject({
      code: 'invalid_arg',
    })
  })

  it('rejects invalid and role addresses into log and counts them invalid', async () => {
    const { uni, acc, list, imp } = await setup()
    const res = await imp(
      ['email', 'email_list_ids'],
      [
        ['good@example.ru', String(list)],
        ['not-an-email', String(list)],
        ['info@shop.ru', String(list)],
        [' spaced@example.ru', String(list)],
        ['no-reply@shop.ru', String(list)],
      ]
    )
    expect(res.result).toMatchObject({ total: 5, inserted: 1, updated: 0, invalid: 4 })
    expect(res.result!.log.map((l) => [l.index, l.code])).toEqual([
      [1, 'invalid_email'],
      [2, 'role_address'],
      [3, 'invalid_email'],
      [4, 'role_address'],
    ])
    expect(await uni.contactCount(acc)).toBe(1)
  })

  it('applies a repeated address once and logs the repeat', async () => {
    const { uni, list, imp } = await setup()
    const res = await imp(
      ['email', 'email_list_ids'],
      [
        ['a@example.ru', String(list)],
        ['A@example.ru', String(list)],
      ]
    )
    expect(res.result).toMatchObject({ total: 2, inserted: 1, updated: 0 })
    expect(res.result!.log).toEqual([
      { index: 1, code: 'duplicate_email', message: expect.any(String) },
    ])
    expect(await uni.members(list)).toHaveLength(1)
  })

  it("overwrite_lists=1 replaces the contact's list memberships (other lists too)", async () => {
    const { uni, acc, list, other, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list, other] }])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]], {
      overwrite_lists: '1',
    })
    expect(await uni.activeEmails(list)).toEqual(['a@example.ru'])
    expect(await uni.activeEmails(other)).toEqual([])
  })

  it('overwrite_lists=0 only adds', async () => {
    const { uni, acc, list, other, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [other] }])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]], {
      overwrite_lists: '0',
    })
    expect(await uni.activeEmails(list)).toEqual(['a@example.ru'])
    expect(await uni.activeEmails(other)).toEqual(['a@example.ru'])
  })

  it('adds tags, or replaces them with overwrite_tags=1; more than 10 tags is a row error', async () => {
    const { uni, acc, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', tags: 'old' }])
    await imp(['email', 'tags'], [['a@example.ru', 'vip, new']])
    expect((await uni.contact(acc, 'a@example.ru'))!.tags).toBe('old,vip,new')
    await imp(['email', 'tags'], [['a@example.ru', 'only']], { overwrite_tags: '1' })
    expect((await uni.contact(acc, 'a@example.ru'))!.tags).toBe('only')
    const many = Array.from({ length: 11 }, (_, i) => `t${i}`).join(',')
    const res = await imp(['email', 'tags'], [['a@example.ru', many]])
    expect(res.result!.log).toMatchObject([{ index: 0, code: 'invalid_arg' }])
    expect((await uni.contact(acc, 'a@example.ru'))!.tags).toBe('only')
  })

  it('delete=1 removes the contact from the whole account', async () => {
    const { uni, acc, list, other, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list, other] }])
    const res = await imp(['email', 'delete'], [['a@example.ru', '1']])
    expect(res.result).toMatchObject({ deleted: 1, updated: 0, inserted: 0 })
    expect(await uni.contact(acc, 'a@example.ru')).toBeNull()
    expect(await uni.members(other)).toEqual([])
    expect(await uni.contactCount(acc)).toBe(0)
  })

  it('rejects rows with an unknown email_status into log', async () => {
    const { uni, acc, imp } = await setup()
    const res = await imp(['email', 'email_status'], [['a@example.ru', 'blocked']])
    expect(res.result!.log).toMatchObject([{ index: 0, code: 'invalid_arg' }])
    expect(await uni.contactCount(acc)).toBe(0)
  })
})
