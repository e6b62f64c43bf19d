/**
 * Contact fields in incremental runs (#15), the pure parts: which touched customers are candidates
 * and with which values, and what a getContact answer lets the run write.
 */
import { describe, expect, it } from 'vitest'
import { contactStateOf } from '../../src/clients/unisender'
import type { FieldMapping } from '../../src/sync/field-values'
import { packValues } from '../../src/sync/field-values'
import type { TouchedCustomer } from '../../src/sync/incremental-exact'
import { fieldCandidates, valuesToWrite } from '../../src/sync/incremental-fields'
import { changeRecord, newestRecords, touchedOf } from '../../src/sync/incremental-records'

const FIELDS: FieldMapping[] = [
  { source: 'firstName', target: 'Name', type: 'string' },
  { source: 'birthday', target: 'bday', type: 'date' },
]

const member = (id: number, o: Partial<TouchedCustomer> = {}): TouchedCustomer => ({
  id,
  kind: 'valid',
  email: `c${id}@example.com`,
  member: true,
  values: { firstName: ` Ann${id} `, birthday: '05.03.1990' },
  changed: ['firstName', 'fullName'],
  ...o,
})

describe('fieldCandidates', () => {
  it('valid members with a mapped change, only the changed sources, normalised', () => {
    expect(fieldCandidates(FIELDS, [member(1)])).toEqual([
      ['c1@example.com', packValues(['Ann1', ''])],
    ])
    expect(fieldCandidates(FIELDS, [member(1, { changed: ['birthday'] })])).toEqual([
      ['c1@example.com', packValues(['', '1990-03-05'])],
    ])
  })

  it('no candidate: opt-outs, non-members, no mapped change, no values, a shared address, no map', () => {
    const none = [
      member(1, { kind: 'opted_out' }),
      member(2, { member: false }),
      member(3, { changed: ['city'] }),
      member(4, { values: undefined }),
      member(5, { changed: undefined }),
      member(6),
      member(7, { email: 'c6@example.com' }),
      member(8, { values: { firstName: '  ' } }),
    ]
    expect(fieldCandidates(FIELDS, none)).toEqual([])
    expect(fieldCandidates([], [member(1)])).toEqual([])
  })
})

describe('valuesToWrite', () => {
  const listed = (o: object = {}) => ({
    found: true as const,
    status: 'active',
    lists: [{ id: 10, status: 'active' }],
    fields: { Name: 'Old' },
    ...o,
  })
  it('writes a differing value to an active member of the list', () => {
    expect(valuesToWrite(listed(), 10, FIELDS, ['Ann', ''])).toEqual(['Ann', ''])
  })
  it('skips a value Unisender already holds (normalised), and then the contact', () => {
    expect(valuesToWrite(listed({ fields: { Name: ' Ann ' } }), 10, FIELDS, ['Ann', ''])).toBe(null)
    expect(
      valuesToWrite(listed({ fields: { Name: 'Ann', bday: '05.03.1990' } }), 10, FIELDS, [
        'Bob',
        '1990-03-05',
      ])
    ).toEqual(['Bob', ''])
  })
  it('never writes to an unknown, unsubscribed, blocked, excluded or non-member contact', () => {
    expect(valuesToWrite({ found: false }, 10, FIELDS, ['Ann', ''])).toBe(null)
    expect(valuesToWrite(listed({ status: 'unsubscribed' }), 10, FIELDS, ['Ann', ''])).toBe(null)
    expect(valuesToWrite(listed({ status: 'blocked' }), 10, FIELDS, ['Ann', ''])).toBe(null)
    const left = listed({ lists: [{ id: 10, status: 'unsubscribed' }] })
    expect(valuesToWrite(left, 10, FIELDS, ['Ann', ''])).toBe(null)
    expect(valuesToWrite(listed({ lists: [{ id: 11 }] }), 10, FIELDS, ['Ann', ''])).toBe(null)
    expect(valuesToWrite(listed({ lists: null }), 10, FIELDS, ['Ann', ''])).toBe(null)
  })
  it('without fields in the answer, sends the value', () => {
    expect(valuesToWrite(listed({ fields: null }), 10, FIELDS, ['Ann', ''])).toEqual(['Ann', ''])
  })
})

describe('records with fields', () => {
  it('carry raw values and changed sources; the newest values, every change of the range', () => {
    const c = { id: 3, email: 'c3@example.com', firstName: 'Ann', segments: [{ code: 'vip' }] }
    const a = changeRecord(3, c as never, ['firstName'], ['firstName'])
    const b = changeRecord(3, { ...c, firstName: 'Bea' } as never, ['firstName'], [])
    expect(a).toMatchObject({ f: { firstName: 'Ann' }, u: ['firstName'] })
    expect(b.u).toBeUndefined()
    const [r] = newestRecords([[a], [b]])
    expect(r).toMatchObject({ f: { firstName: 'Bea' }, u: ['firstName'] })
    const t = touchedOf({ allCustomers: false, segmentCode: 'vip' }, r!)
    expect(t).toMatchObject({ member: true, values: { firstName: 'Bea' }, changed: ['firstName'] })
    expect(changeRecord(3, c as never)).toEqual({
      i: 3,
      k: 'valid',
      e: 'c3@example.com',
      s: ['vip'],
    })
  })
})

describe('contactStateOf', () => {
  it('reads status, lists and fields beside or inside email', () => {
    expect(
      contactStateOf({
        email: { status: 'active' },
        lists: [{ id: '5', status: 'active' }],
        fields: { Name: 'Ann', age: 5, x: null },
      })
    ).toEqual({
      status: 'active',
      lists: [{ id: 5, status: 'active' }],
      fields: { Name: 'Ann', age: '5', x: '' },
    })
    expect(contactStateOf({ email: { status: 'new', fields: { Name: 'B' } } })).toMatchObject({
      fields: { Name: 'B' },
      lists: null,
    })
    expect(contactStateOf({ email: {}, fields: 'odd' })).toEqual({
      status: null,
      lists: null,
      fields: null,
    })
  })
})
