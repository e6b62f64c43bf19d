/**
 * Defensive parser of the async/exportContacts file, read in byte slices. The format is
 * UNCONFIRMED (docs/unisender.md §3): we accept UTF-8 with or without BOM, `,` `;` or tab delimiters,
 * quoted fields (with "" escapes and embedded newlines), a header row naming the requested fields
 * (or no header, then column 0 is the email), CRLF or LF. Pure.
 */

export interface CsvHeader {
  delimiter: string
  email: number
  status: number
  unsubscribedLists: number
  /** Columns of the mapped contact fields, in the order asked; -1 when the file has none. */
  fields: number[]
}

export interface ListRow {
  email: string
  status: string
  unsubscribedLists: string
  /** Raw cells of the mapped fields (undefined where the column is missing). */
  values: (string | undefined)[]
}

/**
 * The end (exclusive) of the last complete record in `bytes`: just past a newline that is outside
 * quotes. With `eof`, the whole slice is complete. Returns 0 when no record is complete yet.
 */
export function completeRecordsEnd(bytes: Uint8Array, eof: boolean): number {
  if (eof) return bytes.length
  let inQuotes = false
  let end = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 0x22) inQuotes = !inQuotes
    else if (b === 0x0a && !inQuotes) end = i + 1
  }
  return end
}

/** Splits text into records of fields. */
export function parseCsv(text: string, delimiter: string): string[][] {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let inQuotes = false
  let sawAny = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    sawAny = true
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else field += ch
    } else if (ch === '"') inQuotes = true
    else if (ch === delimiter) {
      record.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
      sawAny = false
    } else field += ch
  }
  if (sawAny) {
    record.push(field)
    records.push(record)
  }
  return records.filter((r) => r.length > 1 || r[0]!.trim() !== '')
}

/**
 * Detects the delimiter from the first line and finds the columns we need. A mapped field's column
 * is found by its name, exactly or else case-insensitively (UNCONFIRMED how the real export heads
 * user fields: docs/unisender.md §3 "User fields").
 */
export function detectHeader(
  firstLine: string,
  fieldNames: readonly string[] = []
): { header: CsvHeader; isHeader: boolean } {
  const line = firstLine.replace(/^\uFEFF/, '')
  const counts = [',', ';', '\t'].map((d) => [d, line.split(d).length - 1] as const)
  const delimiter = counts.sort((a, b) => b[1] - a[1])[0]![1] > 0 ? counts[0]![0] : ','
  const raw = (parseCsv(line, delimiter)[0] ?? []).map((n) => n.trim())
  const names = raw.map((n) => n.toLowerCase())
  const email = names.findIndex((n) => n === 'email' || n === 'e-mail')
  if (email < 0) {
    // No recognisable header: column 0 holds the email (and the first line is data).
    const fields = fieldNames.map(() => -1)
    return {
      header: { delimiter, email: 0, status: -1, unsubscribedLists: -1, fields },
      isHeader: false,
    }
  }
  return {
    header: {
      delimiter,
      email,
      status: names.indexOf('email_status'),
      unsubscribedLists: names.indexOf('email_unsubscribed_list_ids'),
      fields: fieldNames.map((f) => {
        const exact = raw.indexOf(f)
        return exact >= 0 ? exact : names.indexOf(f.toLowerCase())
      }),
    },
    isHeader: true,
  }
}

/** Turns records into list rows, dropping rows without an email (phone-only contacts). */
export function toListRows(records: string[][], h: CsvHeader): ListRow[] {
  const out: ListRow[] = []
  for (const r of records) {
    const email = (r[h.email] ?? '').replace(/^\uFEFF/, '')
    if (email.trim() === '') continue
    out.push({
      email,
      status: h.status >= 0 ? (r[h.status] ?? '').trim().toLowerCase() : '',
      unsubscribedLists: h.unsubscribedLists >= 0 ? (r[h.unsubscribedLists] ?? '') : '',
      values: h.fields.map((i) => (i >= 0 ? (r[i] ?? '') : undefined)),
    })
  }
  return out
}

/** Statuses whose contacts cannot receive mail and must never be re-added (docs/unisender.md §6). */
const NOT_RESUBSCRIBABLE = new Set(['unsubscribed', 'blocked'])

/**
 * How a list row takes part in the diff: 'N' when the contact unsubscribed from this list (no
 * longer a member: nothing to remove, never re-added), 'U' when it is unsubscribed or blocked
 * account-wide (still a member: removable, never re-added), 'L' otherwise.
 */
export function listSide(row: ListRow, listId: number): 'L' | 'U' | 'N' {
  const left = row.unsubscribedLists
    .split(/[,;\s]+/)
    .some((id) => id !== '' && Number(id) === listId)
  if (left) return 'N'
  return NOT_RESUBSCRIBABLE.has(row.status) ? 'U' : 'L'
}
