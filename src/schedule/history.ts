/**
 * Reads one page of RetailCRM customer history (docs/retailcrm.md §3) and reduces it to the facts the
 * scheduler acts on: which customers changed in a way that can move an email in or out of a list,
 * and which segments' membership changed. Pure: no I/O, so every kind of entry is unit-tested.
 */
import type { HistoryEntry } from '../clients/retailcrm'

/** One segment-membership change (`field: "segments"`, `oldValue` = left, `newValue` = joined). */
export interface MembershipChange {
  customerId: number
  historyId: number
  code: string
  joined: boolean
}

export interface PageFacts {
  /** The highest history id on the page (the cursor after it), or null for an empty page. */
  maxId: number | null
  /** Customer id → the newest relevant history id: the customers the poller re-reads and records. */
  touched: Map<number, number>
  membership: MembershipChange[]
  /** Customers whose email changed. */
  emailChanged: Set<number>
  /** Customers whose email-marketing consent changed (opt-out or back in). */
  consentChanged: Set<number>
  /** Customers created on this page. */
  created: Set<number>
  /** Customers deleted, or merged into another (their old email may linger in a list). */
  gone: Set<number>
  /** Customers that received another customer by a merge (`combinedTo`). */
  mergeTargets: Set<number>
  /**
   * Customers whose mappable data changed (#15): customer id → the sync sources (field-values.ts)
   * the change may alter and the newest such history id. Not in `touched`: the poller re-reads
   * them only when some sync of the shop maps one of those sources (src/schedule/poll.ts).
   */
  fieldChanged: Map<number, { sources: Set<string>; historyId: number }>
}

/**
 * History field names that can change whether or with which address a customer is exported.
 * UNCONFIRMED: the exact field name of subscription changes is not documented; any field whose
 * name mentions "subscri" is treated as a consent change (the safe side: a needless run at worst).
 */
export function isConsentField(field: string): boolean {
  return field === 'email_marketing_unsubscribed_at' || /subscri/i.test(field)
}

/** Every custom field of the customer: a history entry whose custom field code is unreadable. */
export const ANY_CUSTOM_FIELD = 'cf:*'

/**
 * The mappable sources (src/sync/field-values.ts BUILTIN_SOURCES, `cf:<code>`) a history field
 * may change, [] when none. The sandbox records a first-name change as `first_name`; the other
 * names are UNCONFIRMED (docs/retailcrm.md §3), so the match is loose on the safe side: snake or
 * camel case, any sub-key (`address.city`, `phones.0.number`), `custom_fields.<code>` or
 * `customFields.<code>`. A missed name costs only latency: the daily full run writes the value.
 */
export function fieldSourcesOf(field: string): string[] {
  const custom = /^custom_?fields?(?:[.[](.+?)\]?)?$/i.exec(field)
  if (custom) return [custom[1] ? `cf:${custom[1]}` : ANY_CUSTOM_FIELD]
  const key = field.toLowerCase().replace(/[^a-z]/g, '')
  if (key.startsWith('firstname')) return ['firstName', 'fullName']
  if (key.startsWith('lastname')) return ['lastName', 'fullName']
  if (key.startsWith('patronymic')) return ['patronymic', 'fullName']
  if (key.startsWith('phone')) return ['phone']
  if (key.startsWith('address') || key === 'city') return ['city']
  if (key.startsWith('birthday')) return ['birthday']
  if (key === 'sex') return ['sex']
  if (key.startsWith('tag')) return ['tags']
  if (key.startsWith('totalsumm')) return ['totalSumm']
  if (key.startsWith('orderscount')) return ['ordersCount']
  if (key.startsWith('lastorderdate')) return ['lastOrderDate']
  return []
}

/** `{code}` (or a bare string) of a segments entry's oldValue/newValue. */
function segmentCode(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (v && typeof v === 'object' && typeof (v as { code?: unknown }).code === 'string')
    return (v as { code: string }).code
  return null
}

/** Reduces a history page to the scheduler's facts. Entries may come in any order. */
export function readHistoryPage(entries: readonly HistoryEntry[]): PageFacts {
  const facts: PageFacts = {
    maxId: null,
    touched: new Map(),
    membership: [],
    emailChanged: new Set(),
    consentChanged: new Set(),
    created: new Set(),
    gone: new Set(),
    mergeTargets: new Set(),
    fieldChanged: new Map(),
  }
  const touch = (customerId: number, historyId: number) => {
    const prev = facts.touched.get(customerId)
    if (prev === undefined || prev < historyId) facts.touched.set(customerId, historyId)
  }
  for (const e of entries) {
    if (facts.maxId === null || e.id > facts.maxId) facts.maxId = e.id
    const cid = e.customer?.id
    if (cid === undefined) continue
    if (e.combinedTo?.id !== undefined) {
      facts.gone.add(cid)
      facts.mergeTargets.add(e.combinedTo.id)
      touch(cid, e.id)
      touch(e.combinedTo.id, e.id)
      continue
    }
    if (e.deleted) {
      facts.gone.add(cid)
      touch(cid, e.id)
      continue
    }
    if (e.created) {
      facts.created.add(cid)
      touch(cid, e.id)
      continue
    }
    const field = e.field ?? ''
    if (field === 'segments') {
      const left = segmentCode(e.oldValue)
      const joined = segmentCode(e.newValue)
      if (left)
        facts.membership.push({ customerId: cid, historyId: e.id, code: left, joined: false })
      if (joined)
        facts.membership.push({ customerId: cid, historyId: e.id, code: joined, joined: true })
      if (left || joined) touch(cid, e.id)
    } else if (field === 'email') {
      facts.emailChanged.add(cid)
      touch(cid, e.id)
    } else if (isConsentField(field)) {
      facts.consentChanged.add(cid)
      touch(cid, e.id)
    } else {
      const sources = fieldSourcesOf(field)
      if (sources.length === 0) continue
      const had = facts.fieldChanged.get(cid) ?? { sources: new Set<string>(), historyId: e.id }
      for (const s of sources) had.sources.add(s)
      had.historyId = Math.max(had.historyId, e.id)
      facts.fieldChanged.set(cid, had)
    }
  }
  return facts
}

/** Customers whose current segments must be looked up to know which syncs they affect. */
export function customersToLookUp(facts: PageFacts): number[] {
  const ids = new Set<number>([
    ...facts.emailChanged,
    ...facts.consentChanged,
    ...facts.created,
    ...facts.mergeTargets,
  ])
  for (const id of facts.gone) ids.delete(id)
  return [...ids].sort((a, b) => a - b)
}
