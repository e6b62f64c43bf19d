/**
 * The `read_crm` phase: reads the segment (or all customers) page by page — 250 a page where the
 * tenant's CRM serves it, else 100, pinned per run (crm-page.ts) — a bounded number of pages per
 * step, and stages the normalised emails by partition. A total that changes while paging, or pages
 * that do not line up, mean the picture may be incomplete: the run then finishes with additions
 * only. Member lines are `email<TAB>customerId` (the id feeds the holder index, holders.ts).
 */

import type { StepContext } from './context'
import { readCustomersPage } from './crm-page'
import { memberLine } from './field-lines'
import { classifyCustomer } from './normalize'
import { PARTITIONS, PartitionBuffer } from './partition'
import type { StepResult } from './result'
import { isSegmentMissing, SEGMENT_MISSING_FAILURE } from './segment-check'
import { SIDES } from './state'

const SIDE_OF = { valid: SIDES.segment, opted_out: SIDES.optedOut, role: SIDES.role } as const

export const INCOMPLETE_SEGMENT =
  'The segment changed while it was being read, so removals were skipped in this run; the next run will catch up.'

/** Moves buffered emails into the step's staged chunks. */
function flush(ctx: StepContext, buf: PartitionBuffer): void {
  for (const g of buf.groups()) ctx.stage(g.side, g.partition, g.emails)
}

/** One step of the `read_crm` phase. */
export async function stepReadCrm(ctx: StepContext): Promise<StepResult> {
  const crm = await ctx.crm()
  const buf = new PartitionBuffer()
  const c = ctx.cursor
  if (!ctx.run.allCustomers && !ctx.run.segmentCode) {
    return { kind: 'fail', code: 'no_segment', message: 'The sync has no RetailCRM segment.' }
  }
  const planned =
    c.crmTotal === null
      ? ctx.deps.pagesPerStep
      : Math.min(ctx.deps.pagesPerStep, c.crmPages - c.page + 1)
  await ctx.reserveCrmCalls(Math.max(1, planned))
  try {
    for (let i = 0; i < ctx.deps.pagesPerStep; i++) {
      const res = await readCustomersPage(
        ctx,
        crm,
        ctx.run.allCustomers ? undefined : (ctx.run.segmentCode ?? undefined)
      )
      const p = res.pagination
      // A deleted segment reads as empty: never let that become "remove everyone" (src/schedule).
      const empty = c.crmTotal === null && p.totalCount === 0 && !ctx.run.allCustomers
      if (empty && (await isSegmentMissing(crm, ctx.run.segmentCode!)))
        return SEGMENT_MISSING_FAILURE
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
        ctx.counts.readFromCrm++
        const k = classifyCustomer(cust)
        if (k.kind === 'invalid') {
          ctx.counts.invalid++
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
        flush(ctx, buf)
        return { kind: 'next', phase: c.listExists ? 'export_wait' : 'diff' }
      }
      if (ctx.pastTimeBudget()) break // a slow CRM: commit the pages read, go on next step
    }
  } catch (err) {
    // Keep the pages already read in this step: the engine commits them before retrying.
    flush(ctx, buf)
    throw err
  }
  flush(ctx, buf)
  return { kind: 'next' }
}
