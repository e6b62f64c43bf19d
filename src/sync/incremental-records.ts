/**
 * The re-read of a history page, as the scheduler records it once for every sync of the shop
 * (table change_pages, src/schedule/change-pages.ts) and as incremental runs use it. Pure.
 *
 * Why a record per customer and not per sync: the history poller re-reads the customers a page
 * touched (ceil(touched/100) calls with filter[ids][]) right after reading the page, so the read
 * is later than every change on it. One record says what any sync needs to know about the
 * customer — its classified address and every segment it is in — so each affected sync plans from
 * the same read (incremental.ts, incremental-exact.ts) and no sync reads the CRM again. A record
 * is an object so it can carry more fields later (contact fields): decoding keeps unknown keys
 * out of the way and a missing optional field stays undefined.
 */
import { z } from 'zod'
import type { Customer } from '../clients/retailcrm'
import { sourceValue } from './field-values'
import type { TouchedCustomer } from './incremental-exact'
import { classifyCustomer } from './normalize'

/** What the poller recorded about one customer ('gone' = deleted, merged away or not found). */
export interface ChangeRecord {
  /** Customer id. */
  i: number
  k: TouchedCustomer['kind']
  /** Normalised address ('' when none or gone). */
  e: string
  /** Codes of every segment the customer is in (empty when gone). */
  s: string[]
  /**
   * Contact fields (#15): the raw value of each source some sync of the shop maps (field-values.ts
   * sourceValue; a source missing here is unknown, so nothing is written for it), and `u` the
   * sources the history says changed (a change of them is what an incremental run writes).
   */
  f?: Record<string, string>
  u?: string[]
}

const RecordSchema = z.object({
  i: z.number().int(),
  k: z.enum(['valid', 'opted_out', 'role', 'invalid', 'gone']),
  e: z.string(),
  s: z.array(z.string()),
  f: z.record(z.string(), z.string()).optional(),
  u: z.array(z.string()).optional(),
})
const PageSchema = z.array(RecordSchema)

/**
 * The record of customer `id` as re-read now (`c` undefined = not returned: gone), with the raw
 * values of `sources` and the `changed` sources when given (#15).
 */
export function changeRecord(
  id: number,
  c: Customer | undefined,
  sources: readonly string[] = [],
  changed: readonly string[] = []
): ChangeRecord {
  if (!c) return { i: id, k: 'gone', e: '', s: [] }
  const k = classifyCustomer(c)
  const r: ChangeRecord = {
    i: id,
    k: k.kind,
    e: k.email,
    s: (c.segments ?? []).map((x) => x.code).sort(),
  }
  if (sources.length > 0) r.f = Object.fromEntries(sources.map((s) => [s, sourceValue(c, s)]))
  if (changed.length > 0) r.u = [...changed].sort()
  return r
}

/** Packs the records of one page into one row's data. */
export function encodeRecords(records: readonly ChangeRecord[]): string {
  return JSON.stringify(records)
}

/** Unpacks one row's data (validated: a malformed row throws rather than being half-applied). */
export function decodeRecords(data: string): ChangeRecord[] {
  return PageSchema.parse(JSON.parse(data))
}

/** A recorded page: the history range (from, upTo] it covers. */
export interface PageSpan {
  from: number
  upTo: number
}

/**
 * Whether the recorded pages cover the history range (from, upTo] without a gap: sorted by upTo,
 * each page starts where the previous one ended. A gap (a page recorded while nothing followed
 * the shop, pages pruned, a table emptied by a migration) means some change was never re-read, so
 * the run must not be incremental.
 */
export function coversRange(pages: readonly PageSpan[], from: number, upTo: number): boolean {
  let at = from
  for (const p of [...pages].sort((a, b) => a.upTo - b.upTo)) {
    if (p.upTo <= at) continue
    if (p.from !== at) return false
    at = p.upTo
  }
  return at === upTo
}

/**
 * The newest record of each customer over pages given oldest first: a later page was read later,
 * after every change of the earlier ones, so its record is the one that counts.
 */
export function newestRecords(pages: readonly ChangeRecord[][]): ChangeRecord[] {
  const byId = new Map<number, ChangeRecord>()
  for (const page of pages)
    for (const r of page) {
      // The newest values count, but a field change seen on any page of the range stays one.
      const older = byId.get(r.i)?.u ?? []
      const u = [...new Set([...older, ...(r.u ?? [])])].sort()
      byId.set(r.i, u.length > 0 ? { ...r, u } : r)
    }
  return [...byId.values()].sort((a, b) => a.i - b.i)
}

/** A record seen from one sync: whether the customer is a member of its segment now. */
export function touchedOf(
  t: { allCustomers: boolean; segmentCode: string | null },
  r: ChangeRecord
): TouchedCustomer {
  if (r.k === 'gone') return { id: r.i, kind: 'gone', email: '', member: false }
  const member = t.allCustomers || (t.segmentCode !== null && r.s.includes(t.segmentCode))
  const out: TouchedCustomer = { id: r.i, kind: r.k, email: r.e, member }
  if (r.f) out.values = r.f
  if (r.u) out.changed = r.u
  return out
}
