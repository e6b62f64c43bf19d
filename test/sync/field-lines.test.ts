/** Staged lines of runs with contact fields (src/sync/field-lines.ts). */
import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import { listLine, memberLine, parseListLine, parseMemberLine } from '../../src/sync/field-lines'
import { valueHash } from '../../src/sync/field-values'

const fields = [
  { source: 'firstName', target: 'Name', type: 'string' as const },
  { source: 'birthday', target: 'bd', type: 'date' as const },
]

describe('field lines', () => {
  it('segment members carry normalised values, or stay `email<TAB>id` without them', () => {
    const c = { id: 7, firstName: ' Анна ', birthday: '1990-04-12' } as Customer
    const line = memberLine('a@x.ru', c, fields)
    expect(parseMemberLine(line)).toEqual(['a@x.ru', 7, 'Анна\u001f1990-04-12'])
    expect(memberLine('a@x.ru', c, [])).toBe('a@x.ru\t7')
    expect(memberLine('a@x.ru', { id: 7 } as Customer, fields)).toBe('a@x.ru\t7')
    expect(parseMemberLine('a@x.ru\t7')).toEqual(['a@x.ru', 7, ''])
    expect(parseMemberLine('a@x.ru')).toEqual(['a@x.ru', 0, ''])
  })

  it('list members carry hashes of the normalised export values; a missing column is unknown', () => {
    const line = listLine('a@x.ru', [' Анна', '12.04.1990'], fields)
    expect(parseListLine(line)).toEqual([
      'a@x.ru',
      `${valueHash('Анна')},${valueHash('1990-04-12')}`,
    ])
    expect(listLine('a@x.ru', ['', undefined], fields)).toBe('a@x.ru\t,?')
    expect(listLine('a@x.ru', ['Анна', 'x'], [fields[0]!, { ...fields[1]!, exists: false }])).toBe(
      `a@x.ru\t${valueHash('Анна')},`
    )
    expect(listLine('a@x.ru', [], [])).toBe('a@x.ru')
  })
})
