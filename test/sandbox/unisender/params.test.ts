import { describe, expect, it } from 'vitest'
import { idList, indexedArray, parsePhpPairs } from '../../../src/sandbox/unisender/params'

describe('parsePhpPairs (PHP parse_str semantics)', () => {
  it('builds nested arrays from field_names[i] and data[r][c]', () => {
    const p = parsePhpPairs([
      ['field_names[0]', 'email'],
      ['field_names[1]', 'email_list_ids'],
      ['data[0][0]', 'a@x.ru'],
      ['data[0][1]', '1,2'],
      ['data[1][0]', 'b@x.ru'],
    ])
    expect(indexedArray(p.field_names, 'field_names')).toEqual(['email', 'email_list_ids'])
    const rows = indexedArray(p.data, 'data')
    expect(rows).toHaveLength(2)
    expect(indexedArray(rows[1], 'data[1]')).toEqual(['b@x.ru'])
  })

  it('appends for [] the way PHP does', () => {
    const p = parsePhpPairs([
      ['field_names[]', 'email'],
      ['field_names[]', 'email_status'],
    ])
    expect(indexedArray(p.field_names, 'field_names')).toEqual(['email', 'email_status'])
  })

  it('refuses gaps in indices', () => {
    const p = parsePhpPairs([
      ['field_names[0]', 'email'],
      ['field_names[2]', 'tags'],
    ])
    expect(() => indexedArray(p.field_names, 'field_names')).toThrow(/indexed/)
  })

  it('lets a later scalar overwrite an earlier one', () => {
    expect(
      parsePhpPairs([
        ['a', '1'],
        ['a', '2'],
      ]).a
    ).toBe('2')
  })
})

describe('idList', () => {
  it('reads comma-separated ids', () => {
    expect(idList('134,135', 'x')).toEqual([134, 135])
    expect(idList('', 'x')).toEqual([])
  })
  it('refuses anything that is not a positive integer', () => {
    expect(() => idList('1,a', 'x')).toThrow(/Invalid list id/)
    expect(() => idList('0', 'x')).toThrow(/Invalid list id/)
    expect(() => idList('1;2', 'x')).toThrow(/Invalid list id/)
  })
})
