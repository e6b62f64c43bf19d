/**
 * getContact's lists, read defensively (where they sit in the answer is UNCONFIRMED): beside
 * `email` as the emulator answers, or inside it as a public client maps them; none means unknown.
 */
import { describe, expect, it } from 'vitest'
import { contactListsOf } from '../../src/clients/unisender'

describe('contactListsOf', () => {
  it('reads lists beside email, with their status', () => {
    const answer = {
      email: { email: 'a@x.ru', status: 'active' },
      lists: [{ id: '7', status: 'active', added_at: '2026-11-26 12:00:00' }],
    }
    expect(contactListsOf(answer)).toEqual([{ id: 7, status: 'active' }])
  })

  it('reads lists inside email, without a status', () => {
    expect(
      contactListsOf({ email: { email: 'a@x.ru', lists: [{ id: 7, title: 'Seg' }] } })
    ).toEqual([{ id: 7, status: undefined }])
  })

  it('says unknown (null) when the answer names no lists, and skips entries it cannot read', () => {
    expect(contactListsOf({ email: { email: 'a@x.ru' } })).toBeNull()
    expect(contactListsOf(null)).toBeNull()
    expect(contactListsOf({ lists: [{ title: 'no id' }, { id: 3 }] })).toEqual([
      { id: 3, status: undefined },
    ])
  })
})
