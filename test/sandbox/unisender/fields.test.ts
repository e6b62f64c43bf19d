/** User fields in the emulator: getFields/createField, values stored by import, exported. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  callUnisender,
  importPairs,
  installUnisenderSandbox,
} from '../../support/sandbox-unisender'
import { exportPairs, parseCsv, type Task } from '../../support/unisender-export'

async function setup() {
  const uni = await installUnisenderSandbox({ exportReadyAfterPolls: 1 })
  const acc = await uni.createAccount()
  const list = await uni.createList(acc, 'L')
  const call = async (method: string, params: Record<string, string>) =>
    (await callUnisender(method, { api_key: acc.apiKey, ...params })).body as {
      result?: unknown
      code?: string
    }
  const imp = async (fields: string[], rows: string[][]) =>
    (await callUnisender('importContacts', importPairs(acc.apiKey, fields, rows))).body as {
      result?: { log: { index: number; code: string; message: string }[] }
      code?: string
    }
  /** Exports the list with these fields and returns the CSV records (header first). */
  const exported = async (fields: string[]) => {
    const started = await callUnisender(
      'async/exportContacts',
      exportPairs(acc.apiKey, list, fields)
    )
    const uuid = (started.body as Task).result.task_uuid
    const done = (await call('async/getTaskResult', { task_uuid: uuid })) as Task
    const file = await fetch(done.result.file_to_download!)
    return parseCsv((await file.text()).replace(/^\uFEFF/, ''))
  }
  return { uni, acc, list, call, imp, exported }
}

describe('emulator: user fields', () => {
  it('has the standard Name field and creates others once by name', async () => {
    const { call } = await setup()
    expect((await call('getFields', {})).result).toEqual([
      { id: expect.any(Number), name: 'Name', type: 'string', public_name: 'Имя' },
    ])
    const made = (await call('createField', { name: 'city', type: 'string' })).result as {
      id: number
    }
    expect(made.id).toEqual(expect.any(Number))
    expect(await call('createField', { name: 'city', type: 'string' })).toMatchObject({
      code: 'invalid_arg',
    })
    expect(await call('createField', { name: 'x', type: 'money' })).toMatchObject({
      code: 'invalid_arg',
    })
    const names = ((await call('getFields', {})).result as { name: string }[]).map((f) => f.name)
    expect(names).toEqual(['Name', 'city'])
  })

  it('stores values, keeps a value an empty cell does not mention, and exports them', async () => {
    const { call, imp, exported, list } = await setup()
    await call('createField', { name: 'birthday', type: 'date' })
    await call('createField', { name: 'spent', type: 'number' })
    const L = String(list)
    await imp(
      ['email', 'email_list_ids', 'Name', 'birthday', 'spent'],
      [['a@example.ru', L, 'Анна', '1990-04-12', '1500.50']]
    )
    // Empty cells leave the stored values; a new name replaces the old one.
    await imp(
      ['email', 'email_list_ids', 'Name', 'birthday', 'spent'],
      [['a@example.ru', '', 'Аня', '', '']]
    )
    expect(await exported(['email', 'Name', 'birthday', 'spent'])).toEqual([
      ['email', 'Name', 'birthday', 'spent'],
      ['a@example.ru', 'Аня', '12.04.1990', '1500.5'],
    ])
  })

  it('refuses a row whose value the field type refuses, into the log, writing nothing of it', async () => {
    const { uni, call, imp, list } = await setup()
    await call('createField', { name: 'birthday', type: 'date' })
    const res = await imp(
      ['email', 'email_list_ids', 'birthday'],
      [
        ['a@example.ru', String(list), '1990-02-30'],
        ['b@example.ru', String(list), '1990-02-28'],
      ]
    )
    expect(res.result?.log).toEqual([
      { index: 0, code: 'invalid_field_value', message: expect.stringContaining('birthday') },
    ])
    expect(await uni.activeEmails(list)).toEqual(['b@example.ru'])
  })

  it('refuses unknown fields and more than 50 user fields for the whole call', async () => {
    const { uni, call, imp, list } = await setup()
    expect(await imp(['email', 'nosuch'], [['a@example.ru', 'x']])).toMatchObject({
      code: 'invalid_arg',
    })
    const names = Array.from({ length: 51 }, (_, i) => `f${i}`)
    for (const name of names) await call('createField', { name, type: 'string' })
    const row = ['a@example.ru', ...names.map(() => 'v')]
    expect(await imp(['email', ...names], [row])).toMatchObject({ code: 'invalid_arg' })
    expect(await imp(['email', ...names.slice(0, 49), 'Name'], [row.slice(0, 51)])).toMatchObject({
      result: { log: [] },
    })
    expect(await uni.activeEmails(list)).toEqual([])
  })

  it('never changes status or lists of a row that carries only fields', async () => {
    const { uni, imp, list, exported } = await setup()
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]])
    await imp(
      ['email', 'email_list_ids', 'email_excluded_list_ids', 'Name'],
      [['a@example.ru', '', '', 'Анна']]
    )
    expect(await uni.members(list)).toMatchObject([
      { email: 'a@example.ru', status: 'new', listStatus: 'active' },
    ])
    expect((await exported(['email', 'Name']))[1]).toEqual(['a@example.ru', 'Анна'])
  })

  it('writes no field of a row refused because the contact is unsubscribed', async () => {
    const { uni, acc, imp, list } = await setup()
    await uni.seedContacts(acc, [{ email: 'gone@example.ru', status: 'unsubscribed' }])
    const res = await imp(
      ['email', 'email_list_ids', 'Name'],
      [['gone@example.ru', String(list), 'Анна']]
    )
    expect(res.result?.log).toEqual([
      expect.objectContaining({ index: 0, code: 'contact_unsubscribed' }),
    ])
    const stored = await env.SANDBOX_DB.prepare(
      `SELECT count(*) AS n FROM uni_field_values v JOIN uni_contacts c ON c.id = v.contact_id
        WHERE c.account_id = ? AND c.email = 'gone@example.ru'`
    )
      .bind(acc.id)
      .first<{ n: number }>()
    expect(stored?.n).toBe(0)
  })
})
