/**
 * The rows of the export file behind `file_to_download`, rendered one page (2,000 contacts) at a
 * time (a 1,000,000-contact list never becomes one string). Format UNCONFIRMED in the docs; we
 * chose what a defensive parser must
 * handle: UTF-8 with a BOM, a header row naming the requested fields, every field double-quoted,
 * `,` delimiter (so list-id fields like "12,15" need their quotes), CRLF line ends. Contacts that
 * unsubscribed from the exported list are included, with that list in both `email_list_ids` and
 * `email_unsubscribed_list_ids` (UNCONFIRMED whether the real export lists them).
 */
import { exportedValue } from './fields'
import { formatTime } from './methods/contacts'

export interface ExportSpec {
  accountId: number
  listId?: number
  fields: string[]
  /**
   * Requested user fields and their types. A column is headed by the field's name and dates read
   * DD.MM.YYYY (both UNCONFIRMED on the real service: docs/unisender.md §3 "User fields").
   */
  fieldTypes?: Record<string, string>
  emailStatus?: string
  email?: string
  tag?: string
}

/** System fields the export can produce (from the docs); user fields are the account's. */
export const EXPORT_FIELDS = new Set([
  'id',
  'email',
  'email_status',
  'email_availability',
  'email_add_time',
  'email_list_ids',
  'email_subscribe_times',
  'email_unsubscribed_list_ids',
  'email_last_delivered_at',
  'tags',
  'phone',
])

/** Contacts per page (and per stored chunk of the file). */
export const PAGE = 2000

type Row = {
  id: number
  email: string
  status: string
  tags: string
  added_at: number
  list_ids: string | null
  unsub_ids: string | null
  sub_times: string | null
  field_json: string | null
}

/** One page of matching contacts after contact id `after`. */
async function page(db: D1Database, spec: ExportSpec, after: number): Promise<Row[]> {
  const need = (f: string) => spec.fields.includes(f)
  const sub = (expr: string, extra = '') =>
    `(SELECT group_concat(${expr}) FROM (SELECT list_id, added_at FROM uni_members x WHERE x.contact_id = c.id${extra} ORDER BY x.list_id))`
  const cols = [
    'c.id',
    'c.email',
    'c.status',
    'c.tags',
    'c.added_at',
    need('email_list_ids') ? `${sub('list_id')} AS list_ids` : 'NULL AS list_ids',
    need('email_unsubscribed_list_ids')
      ? `${sub('list_id', " AND x.status = 'unsubscribed'")} AS unsub_ids`
      : 'NULL AS unsub_ids',
    need('email_subscribe_times') ? `${sub('added_at')} AS sub_times` : 'NULL AS sub_times',
    Object.keys(spec.fieldTypes ?? {}).length > 0
      ? '(SELECT json_group_object(name, value) FROM uni_field_values v WHERE v.contact_id = c.id) AS field_json'
      : 'NULL AS field_json',
  ]
  const where: string[] = []
  const args: (string | number)[] = []
  let from: string
  if (spec.listId !== undefined) {
    from = 'uni_members m JOIN uni_contacts c ON c.id = m.contact_id'
    where.push('m.list_id = ?', 'm.contact_id > ?')
    args.push(spec.listId, after)
  } else {
    from = 'uni_contacts c'
    where.push('c.account_id = ?', 'c.id > ?')
    args.push(spec.accountId, after)
  }
  const filter = (sql: string, arg: string) => {
    where.push(sql)
    args.push(arg)
  }
  if (spec.emailStatus) filter('c.status = ?', spec.emailStatus)
  if (spec.email) filter('c.email = ?', spec.email.toLowerCase())
  if (spec.tag) filter("(',' || c.tags || ',') LIKE ?", `%,${spec.tag},%`)
  const order = spec.listId !== undefined ? 'm.contact_id' : 'c.id'
  const sql = `SELECT ${cols.join(', ')} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${PAGE}`
  return (
    await db
      .prepare(sql)
      .bind(...args)
      .all<Row>()
  ).results
}

function cell(row: Row, field: string, spec: ExportSpec): string {
  const type = spec.fieldTypes?.[field]
  if (type !== undefined) {
    const values = JSON.parse(row.field_json ?? '{}') as Record<string, string>
    return exportedValue(type, values[field] ?? '')
  }
  switch (field) {
    case 'id':
      return String(row.id)
    case 'email':
      return row.email
    case 'email_status':
      return row.status
    case 'email_availability':
      return 'available'
    case 'email_add_time':
      return formatTime(row.added_at)
    case 'email_list_ids':
      return row.list_ids ?? ''
    case 'email_unsubscribed_list_ids':
      return row.unsub_ids ?? ''
    case 'email_subscribe_times':
      return (row.sub_times ?? '')
        .split(',')
        .filter((t) => t !== '')
        .map((t) => formatTime(Number(t)))
        .join(',')
    case 'tags':
      return row.tags
    default:
      return ''
  }
}

/** A CSV field, always quoted, inner quotes doubled. */
export function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`
}

/** The first chunk of every file: BOM and the header row. */
export function headerText(fields: string[]): string {
  return `\uFEFF${fields.map(quote).join(',')}\r\n`
}

/**
 * The next page of CSV rows after contact id `after`: its text, the last contact id, and whether
 * it was the last page.
 */
export async function nextPage(
  db: D1Database,
  spec: ExportSpec,
  after: number
): Promise<{ text: string; last: number; done: boolean }> {
  const rows = await page(db, spec, after)
  const text = rows
    .map((r) => `${spec.fields.map((f) => quote(cell(r, f, spec))).join(',')}\r\n`)
    .join('')
  return {
    text,
    last: rows.length > 0 ? rows[rows.length - 1]!.id : after,
    done: rows.length < PAGE,
  }
}
