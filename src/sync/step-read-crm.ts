/**
 * The `read_crm` phase: reads the segment (or all customers) page by page — 250 a page where the
 * tenant's CRM serves it, else 100, pinned per run (crm-page.ts) — a bounded number of pages per
 * step, and stages the normalised emails by partition. A total that changes while paging, or pages
 * that do not line up, mean the picture may be incomplete: the run then finishes with additions
 * only. Member lines are `email<TAB>customerId` (the id feeds the holder index, holders.ts).
 *
 * A run that leads a shared read (cursor.lead, docs/shared-read.md) first fixes its members, then
 * reads for them too: the common source, or the whole base with each customer served to the runs
 * whose segment it carries (shared-fanout.ts). The read is marked done in the same batch as the
 * last member rows, so a member never takes a partial read.
 */

import type { RetailCrmClient } from '../clients/retailcrm'
import type { StepContext } from './context'
import { readCustomersPage } from './crm-page'
import { memberLine } from './field-lines'
import { classifyCustomer } from './normalize'
import { PARTITIONS, PartitionBuffer } from './partition'
import type { StepResult } from './result'
import { isSegmentMissing, SEGMENT_MISSING_FAILURE } from './segment-check'
import { SharedFanOut } from './shared-fanout'
import { fixMembers, judgeShare, segmentCounts } from './shared-lead'
import {
  GROUP_REJECTS_PER_STEP,
  INCOMPLETE_SHARED_SHORT,
  inSource,
  LEADER_POLL_SECONDS,
  SIDE_OF,
  sharedPagesPerStep,
  sourceOf,
} from './shared-read'
import type { Lead } from './state'

export const INCOMPLETE_SEGMENT =
  'The segment changed while it was being read, so removals were skipped in this run; the next run will catch up.'

/**
 * What the run reads: a leader, the source it fixed with its members (an edit of its sync while
 * it reads must not switch the members' pages to another segment); any other run, its sync's.
 */
function readSource(ctx: StepContext, lead: Lead | null): string | null {
  return lead && lead.own !== undefined ? lead.own : sourceOf(ctx.run)
}

/** Moves buffered emails into the step's staged chunks. */
function flush(ctx: StepContext, buf: PartitionBuffer, fan: SharedFanOut | null): void {
  for (const g of buf.groups()) ctx.stage(g.side, g.partition, g.emails)
  fan?.flush()
}

/** One step of the `read_crm` phase. */
export async function stepReadCrm(ctx: StepContext): Promise<StepResult> {
  const crm = await ctx.crm()
  const buf = new PartitionBuffer()
  const c = ctx.cursor
  if (!ctx.run.allCustomers && !ctx.run.segmentCode) {
    return { kind: 'fail', code: 'no_segment', message: 'The sync has no RetailCRM segment.' }
  }
  const lead = c.lead
  if (lead && lead.members === null && !(await fixMembers(ctx, crm, lead)))
    return { kind: 'next', delaySeconds: LEADER_POLL_SECONDS }
  const members = lead?.members ?? []
  const base = members.length > 0 && lead?.base === true
  // A base read's last page is read: close it in a step of its own (it may page /segments).
  if (lead?.paged && !lead.done) return closeSharedRead(ctx, crm, lead, base)
  const fan = members.length > 0 ? new SharedFanOut(ctx, members, base) : null
  const own = readSource(ctx, lead)
  const pages = fan
    ? sharedPagesPerStep(ctx.deps.pagesPerStep, members.length)
    : ctx.deps.pagesPerStep
  const planned = c.crmTotal === null ? pages : Math.min(pages, c.crmPages - c.page + 1)
  await ctx.reserveCrmCalls(Math.max(1, planned))
  try {
    for (let i = 0; i < pages; i++) {
      const res = await readCustomersPage(ctx, crm, base ? undefined : (own ?? undefined))
      const p = res.pagination
      // A deleted segment reads as empty: never let that become "remove everyone" (src/schedule).
      const empty = c.crmTotal === null && p.totalCount === 0 && own !== null && !base
      if (empty && (await isSegmentMissing(crm, own))) return SEGMENT_MISSING_FAILURE
      if (c.crmTotal === null) {
        c.crmTotal = p.totalCount
        c.crmPages = p.totalPageCount
        ctx.progressTotal = p.totalPageCount + PARTITIONS + 2
      } else {
        if (p.totalCount !== c.crmTotal && !c.incomplete) c.incomplete = INCOMPLETE_SEGMENT
        // Stepped down to 100 a page (crm-page.ts): the bar's total follows the new page count.
        if (c.crmPages === 0)
          ctx.progressTotal = ctx.progressDone + p.totalPageCount - c.page + 1 + PARTITIONS + 2
      }
      c.crmPages = Math.max(c.crmPages, p.totalPageCount)
      for (const cust of res.customers) {
        const k = classifyCustomer(cust)
        fan?.add(cust, k)
        if (base && !inSource(cust, own)) continue
        ctx.counts.readFromCrm++
        if (k.kind === 'invalid') {
          ctx.counts.invalid++
          // A leader's step also writes its members' rows: its own rejects are bounded per step.
          if (!fan || ctx.rejects.length < GROUP_REJECTS_PER_STEP)
            ctx.reject(cust.email ?? '', 'invalid_email', `customer ${cust.id}`)
        } else {
          // With the customer id: the diff builds the holder index from it (holders.ts).
          // Addable members carry their mapped contact-field values (#15, field-lines.ts).
          buf.add(
            SIDE_OF[k.kind],
            k.email,
            memberLine(k.email, cust, k.kind === 'valid' ? c.fields : [])
          )
        }
      }
      c.page++
      ctx.progressDone++
      if (c.page > c.crmPages || res.customers.length === 0) {
        flush(ctx, buf, fan)
        if (!lead) return { kind: 'next', phase: c.listExists ? 'export_wait' : 'diff' }
        if (!base) return closeSharedRead(ctx, crm, lead, base)
        lead.paged = true
        return { kind: 'next' }
      }
      if (ctx.pastTimeBudget()) break // a slow CRM: commit the pages read, go on next step
    }
  } catch (err) {
    // Keep the pages already read in this step: the engine commits them before retrying.
    flush(ctx, buf, fan)
    throw err
  }
  flush(ctx, buf, fan)
  return { kind: 'next' }
}

/**
 * Ends a leader's read: after a base read, the segments it served are looked up (segmentCounts,
 * in a step without pages, as it may page through /segments) and each run of the group whose
 * share is smaller than the CRM counts only adds (judgeShare), one whose segment is gone fails; then the read is marked done (in the batch of the
 * last member rows, or after them). A leader whose own segment is gone fails as segment_missing,
 * after the read is done, so its members still take it.
 */
async function closeSharedRead(
  ctx: StepContext,
  crm: RetailCrmClient,
  lead: Lead,
  base: boolean
): Promise<StepResult> {
  let ownMissing = false
  lead.incomplete = ctx.cursor.incomplete
  if (base) {
    const own = readSource(ctx, lead)
    const members = lead.members ?? []
    const codes = new Set<string>()
    if (own !== null) codes.add(own)
    for (const m of members) if (m.code !== null) codes.add(m.code)
    if (codes.size > 0) {
      const found = await segmentCounts(crm, [...codes])
      for (const m of members) {
        if (m.code === null) continue
        const share = judgeShare(found.get(m.code), m.read)
        if (share === 'missing') m.missing = true
        if (share === 'short' && !m.incomplete) m.incomplete = INCOMPLETE_SHARED_SHORT
      }
      if (own !== null) {
        const share = judgeShare(found.get(own), ctx.counts.readFromCrm)
        if (share === 'short' && !ctx.cursor.incomplete)
          ctx.cursor.incomplete = INCOMPLETE_SHARED_SHORT
        ownMissing = share === 'missing'
      }
    }
  }
  lead.done = true
  if (ownMissing) return SEGMENT_MISSING_FAILURE
  return { kind: 'next', phase: ctx.cursor.listExists ? 'export_wait' : 'diff' }
}
