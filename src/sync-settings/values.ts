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
}

export type SyncFormErrors = Partial<
  Record<'segment' | 'account' | 'list' | 'listTitle' | 'mode' | 'form', string>
>

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
  }
}
