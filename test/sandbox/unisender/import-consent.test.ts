/**
 * importContacts and consent: nobody is resubscribed or reactivated by an import, and
 * email_excluded_list_ids removes a contact from the named lists only.
 */
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
    (
      (await callUnisender('importContacts', importPairs(acc.apiKey, fields, rows, extra)))
        .body as {
        result: { updated: number; inserted: number; log: { index: number; code: string }[] }
      }
    ).result
  return { uni, acc, list, other, imp }
}

describe('importContacts: no resubscription', () => {
  it.each(['unsubscribed', 'blocked'])(
    'leaves a %s contact out of the list, keeps its status and logs the row',
    async (status) => {
      const { uni, acc, list, imp } = await setup()
      await uni.seedContacts(acc, [{ email: 'gone@example.ru', status }])
      const res = await imp(
        ['email', 'email_list_ids', 'email_status'],
        [['gone@example.ru', String(list), 'active']]
      )
      expect(res).toMatchObject({ updated: 1, inserted: 0 })
      expect(res.log).toMatchObject([{ index: 0, code: `contact_${status}` }])
      expect((await uni.contact(acc, 'gone@example.ru'))!.status).toBe(status)
      expect(await uni.members(list)).toEqual([])
    }
  )

  it('keeps a list unsubscription: the contact is not re-added to that list', async () => {
    const { uni, acc, list, other, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', unsubscribedLists: [list] }])
    const res = await imp(['email', 'email_list_ids'], [['a@example.ru', `${list},${other}`]])
    expect(res.log).toMatchObject([{ index: 0, code: 'unsubscribed_from_list' }])
    expect(await uni.members(list)).toMatchObject([
      { email: 'a@example.ru', listStatus: 'unsubscribed' },
    ])
    expect(await uni.activeEmails(other)).toEqual(['a@example.ru'])
  })

  it('does not resubscribe through overwrite_lists=1 either', async () => {
    const { uni, acc, list, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', unsubscribedLists: [list] }])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]], {
      overwrite_lists: '1',
    })
    expect(await uni.members(list)).toMatchObject([{ listStatus: 'unsubscribed' }])
  })

  it('changes email_status only from active or inactive, as documented', async () => {
    const { uni, acc, imp } = await setup()
    await uni.seedContacts(acc, [
      { email: 'act@example.ru', status: 'active' },
      { email: 'new@example.ru', status: 'new' },
      { email: 'inv@example.ru', status: 'invited' },
      { email: 'unsub@example.ru', status: 'unsubscribed' },
    ])
    await imp(
      ['email', 'email_status'],
      [
        ['act@example.ru', 'inactive'],
        ['new@example.ru', 'active'],
        ['inv@example.ru', 'active'],
        ['unsub@example.ru', 'active'],
      ]
    )
    const status = async (e: string) => (await uni.contact(acc, e))!.status
    expect(await status('act@example.ru')).toBe('inactive')
    expect(await status('new@example.ru')).toBe('new')
    expect(await status('inv@example.ru')).toBe('invited')
    expect(await status('unsub@example.ru')).toBe('unsubscribed')
  })

  it('imports a new address with the email_status it is given', async () => {
    const { uni, acc, imp } = await setup()
    const res = await imp(['email', 'email_status'], [['a@example.ru', 'active']])
    expect(res).toMatchObject({ inserted: 1 })
    expect((await uni.contact(acc, 'a@example.ru'))!.status).toBe('active')
  })

  it('records email_unsubscribed_list_ids as an irreversible list unsubscription', async () => {
    const { uni, acc, list, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list] }])
    await imp(['email', 'email_unsubscribed_list_ids'], [['a@example.ru', String(list)]])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]])
    expect(await uni.members(list)).toMatchObject([{ listStatus: 'unsubscribed' }])
    expect((await uni.contact(acc, 'a@example.ru'))!.status).toBe('active')
  })
})

describe('importContacts: email_excluded_list_ids', () => {
  it('removes the contact from the named list only, status unchanged', async () => {
    const { uni, acc, list, other, imp } = await setup()
    await uni.seedContacts(acc, [
      { email: 'a@example.ru', lists: [list, other] },
      { email: 'b@example.ru', lists: [list] },
    ])
    const res = await imp(['email', 'email_excluded_list_ids'], [['a@example.ru', String(list)]])
    expect(res).toMatchObject({ updated: 1, inserted: 0 })
    expect(await uni.activeEmails(list)).toEqual(['b@example.ru'])
    expect(await uni.activeEmails(other)).toEqual(['a@example.ru'])
    expect((await uni.contact(acc, 'a@example.ru'))!.status).toBe('active')
  })

  it('lets an excluded contact be added again later (exclusion is not unsubscription)', async () => {
    const { uni, acc, list, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', lists: [list] }])
    await imp(['email', 'email_excluded_list_ids'], [['a@example.ru', String(list)]])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]])
    expect(await uni.activeEmails(list)).toEqual(['a@example.ru'])
  })

  it('keeps the unsubscription record of a contact excluded from a list it left', async () => {
    const { uni, acc, list, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', unsubscribedLists: [list] }])
    await imp(['email', 'email_excluded_list_ids'], [['a@example.ru', String(list)]])
    await imp(['email', 'email_list_ids'], [['a@example.ru', String(list)]])
    expect(await uni.members(list)).toMatchObject([{ listStatus: 'unsubscribed' }])
  })

  it('removes unsubscribed and blocked contacts from the list too', async () => {
    const { uni, acc, list, imp } = await setup()
    await uni.seedContacts(acc, [{ email: 'a@example.ru', status: 'unsubscribed', lists: [list] }])
    await imp(['email', 'email_excluded_list_ids'], [['a@example.ru', String(list)]])
    expect(await uni.members(list)).toEqual([])
  })

  it('creates a contact for an address the account does not have (costs plan capacity)', async () => {
    const { uni, acc, list, imp } = await setup()
    const res = await imp(
      ['email', 'email_excluded_list_ids'],
      [['stranger@example.ru', String(list)]]
    )
    expect(res).toMatchObject({ inserted: 1 })
    expect(await uni.contactCount(acc)).toBe(1)
    expect(await uni.members(list)).toEqual([])
  })
})
