/** Import rows and log reasons of contact-field writes (#15, src/sync/step-write.ts). */
import { describe, expect, it } from 'vitest'
import { packValues } from '../../src/sync/field-values'
import { batchOps, importRow, logReason } from '../../src/sync/step-write'

describe('step-write with contact fields', () => {
  it('builds rows: additions name the list, updates leave both list cells empty', () => {
    const ops = batchOps(
      'W',
      [
        `+a@x.ru\t${packValues(['Анна', ''])}`,
        '-b@x.ru',
        `~c@x.ru\t${packValues(['', 'Пермь'])}`,
      ].join('\n')
    )
    expect(ops.map((op) => importRow(op, '7', 2))).toEqual([
      ['a@x.ru', '7', '', 'Анна', ''],
      ['b@x.ru', '', '7', '', ''],
      ['c@x.ru', '', '', '', 'Пермь'],
    ])
    expect(importRow(ops[1]!, '7', 0)).toEqual(['b@x.ru', '', '7'])
  })

  it('reads a refused field value as its own reason, before "invalid"', () => {
    expect(logReason('invalid_field_value', 'Invalid value "x" of field "bd" (type date)')).toBe(
      'field_value_refused'
    )
    expect(logReason('invalid_email', 'Invalid email "x"')).toBe('invalid_email')
  })
})
