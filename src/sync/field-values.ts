/**
 * Contact fields (#15): which customer data a sync can map to Unisender fields, how a value is read
 * from a CRM customer, and how values are normalised so that the CRM side and the list export
 * compare equal when Unisender holds what the module wrote. Pure.
 *
 * Rules (docs/unisender.md §3 "User fields"): strings trimmed with inner whitespace collapsed;
 * numbers as plain decimals; dates as YYYY-MM-DD (read from YYYY-MM-DD or DD.MM.YYYY, a time after
 * either ignored); bools as 1/0. A value that does not normalise for its type is empty, and an
 * empty value is never sent (the module never clears a field).
 */
import type { Customer } from '../clients/retailcrm'
import type { FieldType } from '../clients/unisender'
import { hash32 } from './partition'

/** The built-in sources, each with the Unisender field type a new field gets. */
export const BUILTIN_SOURCES = {
  firstName: 'string',
  lastName: 'string',
  patronymic: 'string',
  fullName: 'string',
  phone: 'string',
  city: 'string',
  birthday: 'date',
  sex: 'string',
  tags: 'string',
  totalSumm: 'number',
  ordersCount: 'number',
  lastOrderDate: 'date',
} as const satisfies Record<string, FieldType>
export type BuiltinSource = keyof typeof BUILTIN_SOURCES

/** A custom customer field of the CRM is the source `cf:<code>`. */
export const CUSTOM_PREFIX = 'cf:'

/** The type a new Unisender field gets for a CRM custom field of `crmType`. */
export function customFieldType(crmType: string | undefined): FieldType {
  switch (crmType) {
    case 'integer':
    case 'numeric':
      return 'number'
    case 'date':
      return 'date'
    case 'boolean':
      return 'bool'
    case 'text':
      return 'text'
    default:
      return 'string'
  }
}

/** One mapped field of a sync: a CRM source into a Unisender field of a type. */
export interface FieldMapping {
  source: string
  target: string
  type: FieldType
}

const text = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''

/** The raw value of one source on a customer ('' when it has none). */
export function sourceValue(c: Customer, source: string): string {
  if (source.startsWith(CUSTOM_PREFIX)) {
    const cf = c.customFields
    if (!cf || Array.isArray(cf)) return ''
    return text(cf[source.slice(CUSTOM_PREFIX.length)])
  }
  switch (source as BuiltinSource) {
    case 'firstName':
      return c.firstName ?? ''
    case 'lastName':
      return c.lastName ?? ''
    case 'patronymic':
      return c.patronymic ?? ''
    case 'fullName':
      return [c.lastName, c.firstName, c.patronymic].filter((p) => p?.trim()).join(' ')
    case 'phone':
      return c.phones?.find((p) => p.number?.trim())?.number ?? ''
    case 'city':
      return c.address?.city ?? ''
    case 'birthday':
      return c.birthday ?? ''
    case 'sex':
      return c.sex ?? ''
    case 'tags':
      return (c.tags ?? []).map((t) => (typeof t === 'string' ? t : t.name)).join(', ')
    case 'totalSumm':
      return text(c.totalSumm)
    case 'ordersCount':
      return text(c.ordersCount)
    case 'lastOrderDate':
      return c.lastOrderDate ?? ''
    default:
      return ''
  }
}

/** Longest string value sent (Unisender `string` fields; UNCONFIRMED limit). */
const MAX_STRING = 255

/** A value normalised for a field of `type`, or '' when it is empty or not of that type. */
export function normaliseValue(type: FieldType, raw: string): string {
  const v = raw.replace(/[\s\u00a0]+/g, ' ').trim()
  if (v === '') return ''
  switch (type) {
    case 'number': {
      const n = v.replace(/ /g, '').replace(',', '.')
      return /^-?\d+(\.\d+)?$/.test(n) ? String(Number(n)) : ''
    }
    case 'date': {
      const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec(v)
      const ru = /^(\d{2})\.(\d{2})\.(\d{4})(?: .*)?$/.exec(v)
      const ymd = iso ? `${iso[1]}-${iso[2]}-${iso[3]}` : ru ? `${ru[3]}-${ru[2]}-${ru[1]}` : ''
      const t = ymd ? new Date(`${ymd}T00:00:00Z`) : null
      return t && !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === ymd ? ymd : ''
    }
    case 'bool':
      return /^(1|true|yes|да)$/i.test(v) ? '1' : /^(0|false|no|нет)$/i.test(v) ? '0' : ''
    case 'text':
      return v.slice(0, 65_535)
    default:
      return v.length > MAX_STRING ? v.slice(0, MAX_STRING) : v
  }
}

/** The normalised values of a customer for the mapping, in mapping order. */
export function mappedValues(c: Customer, mapping: readonly FieldMapping[]): string[] {
  return mapping.map((m) => normaliseValue(m.type, sourceValue(c, m.source)))
}

/** Separator of values in a staged line (stripped from values, which also never hold tabs). */
export const VALUE_SEP = '\u001f'

/** Packs values for a staged line ('' when every value is empty). */
export function packValues(values: readonly string[]): string {
  return values.some((v) => v !== '')
    ? values
        .map((v) =>
          v
            .split(VALUE_SEP)
            .join(' ')
            .replace(/[\t\n]/g, ' ')
        )
        .join(VALUE_SEP)
    : ''
}

/** The inverse of packValues for `n` mapped fields. */
export function unpackValues(packed: string, n: number): string[] {
  const out = packed === '' ? [] : packed.split(VALUE_SEP)
  while (out.length < n) out.push('')
  return out.slice(0, n)
}

/**
 * A short hash of one normalised value: what the list side stages instead of the value ('' for an
 * empty value, '?' when the export had no column for the field: never compared).
 */
export function valueHash(v: string): string {
  return v === '' ? '' : hash32(v).toString(36)
}

/**
 * Which mapped values a contact's CRM values would change in Unisender: those that are not empty
 * (an empty value is never sent) and differ from the list's hash ('?' = unknown, never differs).
 */
export function changedFields(crm: readonly string[], listHashes: readonly string[]): boolean[] {
  return crm.map((v, i) => {
    const h = listHashes[i] ?? '?'
    return v !== '' && h !== '?' && valueHash(v) !== h
  })
}
