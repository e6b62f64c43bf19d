/**
 * Parses the `field_names`/`data` table of importContacts into typed rows, refusing what the real
 * service refuses for the whole call: more than 500 rows, no `email`/`phone` column, repeated
 * columns, malformed list ids (unknown user fields are checked against the account: fields.ts).
 * Pure.
 */
import { invalidArg } from './errors'
import { idList, indexedArray, type PhpArray } from './params'

export const MAX_IMPORT_ROWS = 500
export const MAX_TAGS = 10
/** Statuses importContacts accepts in `email_status` (docs/unisender.md §3). */
export const IMPORT_STATUSES = new Set(['new', 'active', 'inactive', 'unsubscribed'])

/**
 * The documented system columns. Any other column must be one of the account's user fields
 * (fields.ts; checked by the caller, which knows the account), else the call is refused.
 */
export const SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  'email',
  'email_status',
  'email_list_ids',
  'email_subscribe_times',
  'email_unsubscribed_list_ids',
  'email_excluded_list_ids',
  'email_availability',
  'tags',
  'delete',
  'phone',
  'phone_status',
  'phone_list_ids',
  'phone_subscribe_times',
  'phone_unsubscribed_list_ids',
  'phone_excluded_list_ids',
  'phone_availability',
])

export interface ImportRow {
  index: number
  email: string
  phone: string
  status?: string
  /** undefined when the column is absent (matters for overwrite_lists). */
  listIds?: number[]
  excludedListIds: number[]
  unsubscribedListIds: number[]
  /** undefined when the column is absent. */
  tags?: string[]
  delete: boolean
  /** User-field cells of the row by field name (empty cells included; they change nothing). */
  fields: Map<string, string>
}

/** Reads `field_names` and `data` and checks the table's shape. */
export function readTable(params: PhpArray): { fields: string[]; data: string[][] } {
  const fields = indexedArray(params.field_names, 'field_names').map((f) => {
    if (typeof f !== 'string' || f === '') throw invalidArg('field_names must be strings')
    return f
  })
  if (new Set(fields).size !== fields.length) throw invalidArg('Duplicate names in field_names')
  if (!fields.includes('email') && !fields.includes('phone')) {
    throw invalidArg('field_names must contain "email" or "phone"')
  }
  const rows = indexedArray(params.data, 'data')
  if (rows.length === 0) throw invalidArg('Parameter "data" is required')
  if (rows.length > MAX_IMPORT_ROWS) {
    // UNCONFIRMED wording; the limit itself is documented (500 contacts per call).
    throw invalidArg(`Too many contacts in one call: ${rows.length}, at most ${MAX_IMPORT_ROWS}`)
  }
  const data = rows.map((row, i) => {
    const cells = indexedArray(row, `data[${i}]`)
    if (cells.length > fields.length) {
      throw invalidArg(`data[${i}] has ${cells.length} values but field_names has ${fields.length}`)
    }
    return fields.map((_, j) => {
      const v = cells[j] ?? ''
      if (typeof v !== 'string') throw invalidArg(`data[${i}][${j}] must be a string`)
      return v
    })
  })
  return { fields, data }
}

/** Turns the table into rows; list ids are checked here, addresses later (per row). */
export function parseRows(fields: string[], data: string[][]): ImportRow[] {
  const col = (name: string) => fields.indexOf(name)
  const user = fields.flatMap((f, j) => (SYSTEM_FIELDS.has(f) ? [] : [[f, j] as const]))
  const at = (row: string[], name: string) => (col(name) >= 0 ? row[col(name)] : undefined)
  return data.map((row, index) => {
    const tags = at(row, 'tags')
    const status = at(row, 'email_status')
    return {
      index,
      email: at(row, 'email') ?? '',
      phone: at(row, 'phone') ?? '',
      status: status === undefined || status === '' ? undefined : status,
      listIds:
        col('email_list_ids') >= 0
          ? idList(at(row, 'email_list_ids'), 'email_list_ids')
          : undefined,
      excludedListIds: idList(at(row, 'email_excluded_list_ids'), 'email_excluded_list_ids'),
      unsubscribedListIds: idList(
        at(row, 'email_unsubscribed_list_ids'),
        'email_unsubscribed_list_ids'
      ),
      tags:
        tags === undefined
          ? undefined
          : tags
              .split(',')
              .map((t) => t.trim())
              .filter((t) => t !== ''),
      delete: at(row, 'delete') === '1',
      fields: new Map(user.map(([f, j]) => [f, row[j] ?? ''])),
    }
  })
}

/** Every list id the rows mention (to check they belong to the account). */
export function mentionedListIds(rows: readonly ImportRow[]): number[] {
  const ids = new Set<number>()
  for (const r of rows) {
    for (const id of [...(r.listIds ?? []), ...r.excludedListIds, ...r.unsubscribedListIds])
      ids.add(id)
  }
  return [...ids]
}
