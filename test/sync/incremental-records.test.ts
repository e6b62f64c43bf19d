import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import {
  changeRecord,
  coversRange,
  decodeRecords,
  encodeRecords,
  newestRecords,
  touchedOf,
} from '../../src/sync/incremental-records'

const customer = (id: number, over: Partial<Customer> = {}): Customer =>
  ({
    id,
    email: ` User${id}@Example.com `,
    segments: [{ code: 'b' }, { code: 'a' }],
    ...over,
  }) as Customer

describe('change records', () => {
  it('classify the address, keep every segment code, and mark a missing customer gone', () => {
    expect(changeRecord(1, customer(1))).toEqual({
      i: 1,
      k: 'valid',
      e: 'user1@example.com',
      s: ['a', 'b'],
    })
    expect(changeRecord(2, customer(2, { emailMarketingUnsubscribedAt: '2026-01-01' })).k).toBe(
      'opted_out'
    )
    expect(changeRecord(3, customer(3, { email: 'info@shop.ru' })).k).toBe('role')
    expect(changeRecord(4, customer(4, { email: 'nope' })).k).toBe('invalid')
    expect(changeRecord(5, undefined)).toEqual({ i: 5, k: 'gone', e: '', s: [] })
  })

  it('round-trip through one packed row, and a malformed row is refused', () => {
    const page = [changeRecord(1, customer(1)), changeRecord(9, undefined)]
    expect(decodeRecords(encodeRecords(page))).toEqual(page)
    expect(() => decodeRecords('[{"i":1,"k":"maybe","e":"","s":[]}]')).toThrow()
    expect(() => decodeRecords('{')).toThrow()
  })

  it('a later page wins for a customer read twice', () => {
    const older = [changeRecord(1, customer(1)), changeRecord(2, customer(2))]
    const newer = [changeRecord(1, undefined)]
    const out = newestRecords([older, newer])
    expect(out.map((r) => [r.i, r.k])).toEqual([
      [1, 'gone'],
      [2, 'valid'],
    ])
  })

  it('are seen from a sync as members of its segment, or of "all customers"', () => {
    const r = changeRecord(1, customer(1))
    expect(touchedOf({ allCustomers: false, segmentCode: 'a' }, r).member).toBe(true)
    expect(touchedOf({ allCustomers: false, segmentCode: 'c' }, r).member).toBe(false)
    expect(touchedOf({ allCustomers: true, segmentCode: null }, r).member).toBe(true)
    const gone = touchedOf({ allCustomers: true, segmentCode: null }, changeRecord(1, undefined))
    expect(gone).toEqual({ id: 1, kind: 'gone', email: '', member: false })
  })
})

describe('coversRange', () => {
  it('accepts pages that tile the range, in any order, and an empty range', () => {
    const pages = [
      { from: 20, upTo: 35 },
      { from: 10, upTo: 20 },
    ]
    expect(coversRange(pages, 10, 35)).toBe(true)
    expect(coversRange([], 35, 35)).toBe(true)
  })

  it('refuses a gap, a missing end, a missing start and an overlap', () => {
    expect(
      coversRange(
        [
          { from: 10, upTo: 20 },
          { from: 25, upTo: 35 },
        ],
        10,
        35
      )
    ).toBe(false)
    expect(coversRange([{ from: 10, upTo: 20 }], 10, 35)).toBe(false)
    expect(coversRange([{ from: 20, upTo: 35 }], 10, 35)).toBe(false)
    expect(
      coversRange(
        [
          { from: 10, upTo: 30 },
          { from: 10, upTo: 35 },
        ],
        10,
        35
      )
    ).toBe(false)
  })
})
