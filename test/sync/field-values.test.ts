/** Contact-field sources and normalisation (src/sync/field-values.ts). */
import { describe, expect, it } from 'vitest'
import type { Customer } from '../../src/clients/retailcrm'
import {
  changedFields,
  customFieldType,
  mappedValues,
  normaliseValue,
  packValues,
  sourceValue,
  unpackValues,
  valueHash,
} from '../../src/sync/field-values'

const customer = (o: Partial<Customer>): Customer => ({ id: 1, ...o }) as Customer

describe('field sources', () => {
  it('reads each built-in source and custom fields by code', () => {
    const c = customer({
      firstName: ' Анна ',
      lastName: 'Иванова',
      patronymic: 'Петровна',
      phones: [{ number: '' }, { number: '+7 900 000-00-00' }],
      address: { city: 'Казань' },
      birthday: '1990-04-12',
      sex: 'female',
      tags: ['vip', { name: 'опт' }],
      totalSumm: 1500.5,
      ordersCount: '3',
      lastOrderDate: '2026-11-01 10:00:00',
      customFields: { galka: true, size: 42 },
    })
    expect(sourceValue(c, 'firstName')).toBe(' Анна ')
    expect(normaliseValue('string', sourceValue(c, 'fullName'))).toBe('Иванова Анна Петровна')
    expect(sourceValue(c, 'phone')).toBe('+7 900 000-00-00')
    expect(sourceValue(c, 'city')).toBe('Казань')
    expect(sourceValue(c, 'tags')).toBe('vip, опт')
    expect(sourceValue(c, 'totalSumm')).toBe('1500.5')
    expect(sourceValue(c, 'cf:size')).toBe('42')
    expect(sourceValue(c, 'cf:galka')).toBe('true')
    expect(sourceValue(c, 'cf:missing')).toBe('')
    expect(sourceValue(customer({ customFields: [] }), 'cf:size')).toBe('')
    expect(
      mappedValues(c, [
        { source: 'firstName', target: 'Name', type: 'string' },
        { source: 'lastOrderDate', target: 'last', type: 'date' },
        { source: 'ordersCount', target: 'n', type: 'number' },
        { source: 'cf:galka', target: 'g', type: 'bool' },
      ])
    ).toEqual(['Анна', '2026-11-01', '3', '1'])
  })

  it('maps CRM custom-field types to Unisender field types', () => {
    expect(customFieldType('integer')).toBe('number')
    expect(customFieldType('date')).toBe('date')
    expect(customFieldType('boolean')).toBe('bool')
    expect(customFieldType('string')).toBe('string')
    expect(customFieldType(undefined)).toBe('string')
  })
})

describe('normalisation', () => {
  it('trims and collapses strings, canonicalises numbers, dates and bools', () => {
    expect(normaliseValue('string', '  Анна\t Мария \n')).toBe('Анна Мария')
    expect(normaliseValue('number', '1 500,50')).toBe('1500.5')
    expect(normaliseValue('number', '1500.00')).toBe('1500')
    expect(normaliseValue('number', 'много')).toBe('')
    expect(normaliseValue('date', '12.04.1990')).toBe('1990-04-12')
    expect(normaliseValue('date', '1990-04-12 00:00:00')).toBe('1990-04-12')
    expect(normaliseValue('date', '1990-02-30')).toBe('')
    expect(normaliseValue('bool', 'Да')).toBe('1')
    expect(normaliseValue('bool', 'maybe')).toBe('')
    expect(normaliseValue('string', 'x'.repeat(300))).toHaveLength(255)
  })

  it('packs values without separators inside and unpacks them', () => {
    expect(packValues(['', ''])).toBe('')
    const packed = packValues(['a\tb', '', 'c\u001fd'])
    expect(unpackValues(packed, 3)).toEqual(['a b', '', 'c d'])
    expect(unpackValues('', 2)).toEqual(['', ''])
  })

  it('finds changed values: never an empty CRM value, never an unknown list column', () => {
    const list = [valueHash('Анна'), valueHash('Иванова'), '?', '']
    expect(changedFields(['Анна', 'Петрова', 'x', ''], list)).toEqual([false, true, false, false])
    expect(changedFields(['', '', '', 'y'], list)).toEqual([false, false, false, true])
  })
})
