/**
 * Staged lines of a run with contact fields (#15). Compact by design: the CRM side carries the
 * normalised values (they are what a write sends), the list side only a short hash per field
 * (enough to tell "differs"), so staging grows by a few bytes per member. Pure.
 *
 * - segment member: `email<TAB>customerId[<TAB>values]` (values packed by packValues)
 * - list member:    `email[<TAB>h1,h2,…]` (valueHash per mapped field; '?' = no column)
 */
import type { Customer } from '../clients/retailcrm'
import {
  type FieldMapping,
  mappedValues,
  normaliseValue,
  packValues,
  valueHash,
} from './field-values'

/** The staged line of a segment member. */
export function memberLine(email: string, c: Customer, fields: readonly FieldMapping[]): string {
  const packed = fields.length > 0 ? packValues(mappedValues(c, fields)) : ''
  return packed === '' ? `${email}\t${c.id}` : `${email}\t${c.id}\t${packed}`
}

/** Splits a segment member line: email, customer id (0 when absent), packed values. */
export function parseMemberLine(line: string): [email: string, id: number, packed: string] {
  const a = line.indexOf('\t')
  if (a < 0) return [line, 0, '']
  const b = line.indexOf('\t', a + 1)
  const id = Number(b < 0 ? line.slice(a + 1) : line.slice(a + 1, b)) || 0
  return [line.slice(0, a), id, b < 0 ? '' : line.slice(b + 1)]
}

/** The staged line of a list member: its email and the hashes of its mapped values. */
export function listLine(
  email: string,
  raw: readonly (string | undefined)[],
  fields: readonly (Pick<FieldMapping, 'type'> & { exists?: boolean })[]
): string {
  if (fields.length === 0) return email
  const hashes = fields.map((f, i) => {
    // A field a dry run would create holds nothing yet; a missing column is unknown ('?').
    if (f.exists === false) return ''
    const v = raw[i]
    return v === undefined ? '?' : valueHash(normaliseValue(f.type, v))
  })
  return `${email}\t${hashes.join(',')}`
}

/** Splits a list member line: email and the hashes ('' when the line has none). */
export function parseListLine(line: string): [email: string, hashes: string] {
  const tab = line.indexOf('\t')
  return tab < 0 ? [line, ''] : [line.slice(0, tab), line.slice(tab + 1)]
}
