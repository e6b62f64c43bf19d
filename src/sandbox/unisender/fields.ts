/**
 * User fields of the emulator: the account's field definitions (getFields, createField), the
 * checks of field values an import carries, and the statements that store them per contact. Every
 * account has the standard field `Name` (UNCONFIRMED: created on first use here; the real service
 * has it in every account). An empty cell leaves the contact's value as it is (UNCONFIRMED on the
 * real service: the module's safe reading, docs/unisender.md §3 "User fields").
 */
import { invalidArg } from './errors'
import { chunk, marks } from './store'

/** The standard name field every account has. */
export const STANDARD_FIELD = 'Name'
/** Field types createField accepts. */
export const FIELD_TYPES = ['string', 'text', 'number', 'date', 'bool'] as const
export type FieldType = (typeof FIELD_TYPES)[number]
/** User fields one import may carry (documented limit). */
export const MAX_IMPORT_FIELDS = 50

export interface FieldDef {
  id: number
  name: string
  type: FieldType
  public_name: string
}

/** The account's fields, the standard `Name` first created if missing. */
export async function accountFields(db: D1Database, accountId: number): Promise<FieldDef[]> {
  await db
    .prepare(
      "INSERT OR IGNORE INTO uni_fields (account_id, name, type, public_name) VALUES (?, ?, 'string', 'Имя')"
    )
    .bind(accountId, STANDARD_FIELD)
    .run()
  const res = await db
    .prepare('SELECT id, name, type, public_name FROM uni_fields WHERE account_id = ? ORDER BY id')
    .bind(accountId)
    .all<FieldDef>()
  return res.results
}

/** Field names the emulator accepts (UNCONFIRMED: latin letters, digits, `_`, a letter first). */
export const FIELD_NAME_RE = /^[A-Za-z][A-Za-z0-9_]{0,49}$/

/**
 * A value as the field stores it, or null when the type refuses it: numbers as plain decimals,
 * dates as YYYY-MM-DD (given as YYYY-MM-DD or DD.MM.YYYY), bools as 0/1, strings up to 255
 * characters (text up to 65,535). Pure.
 */
export function fieldValue(type: FieldType, raw: string): string | null {
  const v = raw.trim()
  switch (type) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(v) ? String(Number(v)) : null
    case 'date': {
      const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v)
      const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v)
      const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : ru ? [ru[3], ru[2], ru[1]] : []
      if (!y) return null
      const t = new Date(`${y}-${m}-${d}T00:00:00Z`)
      return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== `${y}-${m}-${d}`
        ? null
        : `${y}-${m}-${d}`
    }
    case 'bool':
      return /^(1|true|yes|да)$/i.test(v) ? '1' : /^(0|false|no|нет)$/i.test(v) ? '0' : null
    case 'text':
      return v.length <= 65_535 ? v : null
    default:
      return v.length <= 255 ? v : null
  }
}

/** How the export shows a stored value (dates as DD.MM.YYYY: UNCONFIRMED, chosen to differ). */
export function exportedValue(type: string, stored: string): string {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(stored)
  return type === 'date' && iso ? `${iso[3]}.${iso[2]}.${iso[1]}` : stored
}

/** The user-field columns of an import, checked against the account's fields. */
export function userColumns(
  fieldNames: readonly string[],
  system: ReadonlySet<string>,
  defs: readonly FieldDef[]
): Map<string, FieldType> {
  const byName = new Map(defs.map((d) => [d.name, d.type]))
  const out = new Map<string, FieldType>()
  for (const f of fieldNames) {
    if (system.has(f)) continue
    const type = byName.get(f)
    if (!type) throw invalidArg(`Unknown field "${f}"`)
    out.set(f, type)
  }
  if (out.size > MAX_IMPORT_FIELDS)
    throw invalidArg(`Too many user fields in one call: ${out.size}, at most ${MAX_IMPORT_FIELDS}`)
  return out
}

/** One value to store. */
export interface FieldWrite {
  email: string
  name: string
  value: string
}

/**
 * Upserts field values of contacts selected by address (so contacts inserted earlier in the same
 * batch are found): 33 values per statement, under D1's 100 bound parameters.
 */
export function setFieldValues(
  db: D1Database,
  accountId: number,
  writes: readonly FieldWrite[]
): D1PreparedStatement[] {
  return chunk(writes, 33).map((part) =>
    db
      .prepare(
        `INSERT INTO uni_field_values (contact_id, name, value)
         SELECT c.id, v.column2, v.column3 FROM (VALUES ${part.map(() => '(?, ?, ?)').join(', ')}) v
           JOIN uni_contacts c ON c.account_id = ? AND c.email = v.column1 WHERE true
         ON CONFLICT (contact_id, name) DO UPDATE SET value = excluded.value`
      )
      .bind(...part.flatMap((w) => [w.email, w.name, w.value]), accountId)
  )
}

/** The stored field values of some contacts (contact id → name → value). */
export async function valuesOf(
  db: D1Database,
  contactIds: readonly number[]
): Promise<Map<number, Map<string, string>>> {
  const out = new Map<number, Map<string, string>>()
  for (const part of chunk(contactIds, 99)) {
    const res = await db
      .prepare(
        `SELECT contact_id AS id, name, value FROM uni_field_values WHERE contact_id IN (${marks(part.length)})`
      )
      .bind(...part)
      .all<{ id: number; name: string; value: string }>()
    for (const r of res.results) {
      const m = out.get(r.id) ?? new Map<string, string>()
      m.set(r.name, r.value)
      out.set(r.id, m)
    }
  }
  return out
}
