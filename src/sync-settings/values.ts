/**
 * The sync form's values as a person submits them, the errors shown beside its fields, and the
 * segment options of its select. Pure: shared by the form's domain code and its page.
 */
import { SYNC_MODES, type SyncMode } from '../db/schema'

export const LIST_TITLE_MAX = 255

export interface SegmentOption {
  id: number
  name: string
  customersCount: number
  isDynamic: boolean
}

export interface SyncFormValues {
  segmentId?: string
  allCustomers?: boolean
  accountId?: string
  listId?: string
  createList?: boolean
  listTitle?: string
  mode?: SyncMode
  /**
   * Contact-field rows as submitted (#15): source and Unisender field name; undefined when the
   * form was not submitted with its field rows (a new sync then gets the default mapping).
   */
  fields?: FieldRow[]
}

/** One row of the contact-field mapping in the form. */
export interface FieldRow {
  source: string
  target: string
}

/** Rows read from a submitted form: a few more than the limit, so that too many can be refused. */
export const FIELD_ROWS_READ = 60

export type SyncFormErrors = Partial<
  Record<'segment' | 'account' | 'list' | 'listTitle' | 'mode' | 'fields' | 'form', string>
>

/** The submitted field rows (`fieldSource.N`, `fieldTarget.N`), blank rows dropped. */
function fieldRowsFrom(f: Record<string, string | undefined>): FieldRow[] | undefined {
  if (f.fieldsShown !== '1') return undefined
  const rows: FieldRow[] = []
  for (let i = 0; i < FIELD_ROWS_READ; i++) {
    const source = (f[`fieldSource.${i}`] ?? '').trim()
    const target = (f[`fieldTarget.${i}`] ?? '').trim()
    if (source || target) rows.push({ source, target })
  }
  return rows
}

/** Form values from submitted (or query) strings. */
export function valuesFrom(f: Record<string, string | undefined>): SyncFormValues {
  const mode = SYNC_MODES.find((m) => m === f.mode)
  return {
    segmentId: f.segmentId || undefined,
    allCustomers: f.allCustomers === '1',
    accountId: f.accountId || undefined,
    listId: f.listId || undefined,
    createList: f.createList === '1',
    listTitle: f.listTitle?.trim() || undefined,
    mode,
    fields: fieldRowsFrom(f),
  }
}
