/**
 * The `incremental` phase of a run (kind 'incremental', started by the scheduler): applies the
 * changes recorded since this sync's watermark, in one step, without reading the CRM. The history
 * poller re-read every customer a page touched once, for every sync of the shop, and recorded the
 * records packed, one change_pages row per history page (src/schedule/poll.ts,
 * incremental-records.ts). This step loads the pages of its range, takes each customer's newest
 * record, plans them — union and subtraction in incremental.ts, exact match against the holder
 * index in incremental-exact.ts — stages the writes and continues at the engine's `check` → `write`
 * phases; changed contact fields (#15) wait in cursor.pendFields for their getContact check at the
 * start of `write` (incremental-fields.ts). When the plan says a full run is needed, the same run turns into a full one (export +
 * read_crm), so the user always sees one run per trigger.
 *
 * Why this is as safe as a read of its own: every record was read after every change of its page,
 * and the newest record of a customer after every change of the range; a change recorded later
 * has a higher history id and is applied by the next run. The range is history ids
 * (watermark, tenant cursor], fixed and applied in the same step: the pages must cover it without
 * a gap or overlap (coversRange) — a page missing for any reason turns the run full, never into a
 * run that removes on an incomplete picture. The watermark (syncs.history_applied_id) moves to
 * the cursor in the step's own fenced batch, so a crash or a duplicate delivery never skips a
 * change nor applies one twice, and the pages stay until every following sync's watermark passed
 * them (src/schedule/change-pages.ts prunePages).
 */
import { IMPORT_BATCH_MAX } from '../clients/unisender'
import { log } from '../lib/log'
import type { StepContext } from './context'
import { addCounts } from './diff'
import { whileFenced } from './fenced-writes'
import {
  collectHolders,
  encodeHolders,
  HOLDER_ROW_ENTRIES,
  type HolderFacts,
  holderKey,
} from './holders'
import { MAX_INCREMENTAL_CUSTOMERS, planTouched } from './incremental'
import { planExactIncremental, type TouchedCustomer } from './incremental-exact'
import { fieldCandidates, MAX_FIELD_CHECKS } from './incremental-fields'
import { coversRange, decodeRecords, newestRecords, touchedOf } from './incremental-records'
import { PARTITIONS } from './partition'
import type { StepResult } from './result'
import { SIDES } from './state'
import { stageBatches } from './step-diff'
import { startExport } from './step-start'

/**
 * The bucket of the holder run's rows that incremental runs append their members to (after the
 * full run's partitions 0..PARTITIONS-1; older runs appended into the partitions, still read).
 */
const APPENDED = PARTITIONS

/** A statement that runs only while the step holds the run's fence. */
function fenced(ctx: StepContext, sql: string, ...args: unknown[]): D1PreparedStatement {
  return whileFenced(ctx.deps.d1, ctx.fence, sql, ...args)
}

/** Moves the sync's watermark to `to` (never backwards), in the step's fenced batch. */
function advanceWatermark(ctx: StepContext, to: number): void {
  ctx.extra.push(
    fenced(
      ctx,
      'UPDATE syncs SET history_applied_id = max(coalesce(history_applied_id, 0), ?) WHERE id = ?',
      to,
      ctx.run.syncId
    )
  )
}

/** Turns this run into a full one covering every change recorded up to `cursor`. */
async function becomeFull(ctx: StepContext, cursor: number | null, why: string) {
  const listId = ctx.cursor.listId!
  // The full run compares every mapped value with the export: no field check is left pending.
  ctx.cursor.pendFields = []
  await startExport(ctx, listId)
  ctx.extra.push(fenced(ctx, `UPDATE runs SET kind = 'full' WHERE id = ?`, ctx.run.id))
  // The full run builds a new holder index; the old one does not cover the new watermark.
  ctx.extra.push(fenced(ctx, 'UPDATE syncs SET holder_run_id = NULL WHERE id = ?', ctx.run.syncId))
  if (cursor !== null) advanceWatermark(ctx, cursor)
  log.info('run_incremental_to_full', {
    tenant: ctx.run.tenantId,
    sync: ctx.run.syncId,
    run: ctx.run.id,
    phase: 'incremental',
    detail: why,
  })
  return { kind: 'next', phase: 'read_crm' } as const
}

/** The recorded pages of the tenant ending in (from, upTo]. */
async function pageSpans(ctx: StepContext, from: number, upTo: number) {
  const res = await ctx.deps.d1
    .prepare(
      `SELECT from_id AS "from", up_to AS upTo, item_count AS n FROM change_pages
        WHERE tenant_id = ? AND up_to > ? AND up_to <= ? ORDER BY up_to`
    )
    .bind(ctx.run.tenantId, from, upTo)
    .all<{ from: number; upTo: number; n: number }>()
  return res.results ?? []
}

/** The newest record of every customer the pages of (from, upTo] hold, as this sync sees it. */
async function loadTouched(ctx: StepContext, from: number, upTo: number) {
  const res = await ctx.deps.d1
    .prepare(
      `SELECT data FROM change_pages WHERE tenant_id = ? AND up_to > ? AND up_to <= ?
        ORDER BY up_to`
    )
    .bind(ctx.run.tenantId, from, upTo)
    .all<{ data: string }>()
  const records = newestRecords((res.results ?? []).map((r) => decodeRecords(r.data)))
  const target = { allCustomers: ctx.run.allCustomers === 1, segmentCode: ctx.run.segmentCode }
  return records.map((r) => touchedOf(target, r))
}

/**
 * Fixes the range of changes (watermark, cursor] and loads its customers, or goes full (no
 * watermark, a gap in the recorded pages, too many changes).
 */
async function begin(ctx: StepContext): Promise<TouchedCustomer[] | StepResult> {
  const d1 = ctx.deps.d1
  const pos = await d1
    .prepare(
      `SELECT s.history_applied_id AS w, s.holder_run_id AS hr, s.next_run_kind AS k,
              t.history_since_id AS c
         FROM syncs s JOIN tenants t ON t.id = s.tenant_id WHERE s.id = ?`
    )
    .bind(ctx.run.syncId)
    .first<{ w: number | null; hr: number | null; k: string | null; c: number | null }>()
  if (!pos || pos.w === null || pos.c === null || ctx.cursor.listId === null)
    return becomeFull(ctx, pos?.c ?? null, 'no watermark')
  const upTo = Math.max(pos.w, pos.c)
  const spans = await pageSpans(ctx, pos.w, upTo)
  if (!coversRange(spans, pos.w, upTo)) return becomeFull(ctx, upTo, 'changes not recorded')
  // Records, not distinct customers: a cheap upper bound before anything is loaded.
  const records = spans.reduce((n, p) => n + p.n, 0)
  if (records > 2 * MAX_INCREMENTAL_CUSTOMERS) return becomeFull(ctx, upTo, 'too many changes')
  const touched = await loadTouched(ctx, pos.w, upTo)
  if (touched.length > MAX_INCREMENTAL_CUSTOMERS) return becomeFull(ctx, upTo, 'too many changes')
  const c = ctx.cursor
  c.incFrom = pos.w
  c.incUpTo = upTo
  c.incHolderRun = pos.hr
  // A full run is already asked for (a change this run cannot apply, recorded with its mark):
  // apply the additions now, leave every removal to that run.
  c.incNoRemovals = pos.k === 'full' || pos.k === 'reconcile'
  c.incRead = true
  return touched
}

/** What the holder index says about the touched customers and their addresses. */
async function loadHolderFacts(
  ctx: StepContext,
  holderRun: number,
  touched: readonly TouchedCustomer[]
): Promise<HolderFacts> {
  const facts: HolderFacts = { byHash: new Map(), heldBy: new Map() }
  const hashes = new Set(touched.filter((t) => t.email !== '').map((t) => holderKey(t.email)))
  const ids = new Set(touched.map((t) => t.id))
  // One partition at a time: a customer's old address may be in any partition; then the bucket
  // the incremental runs append to (APPENDED).
  for (let p = 0; p <= APPENDED; p++) {
    const res = await ctx.deps.d1
      .prepare('SELECT data FROM run_chunks WHERE run_id = ? AND side = ? AND bucket = ?')
      .bind(holderRun, SIDES.holders, p)
      .all<{ data: string }>()
    for (const r of res.results ?? []) collectHolders(facts, r.data, hashes, ids)
  }
  return facts
}

/** The list size after the holder run (its list before + added − removed), for the guard. */
async function listSizeOf(ctx: StepContext, holderRun: number): Promise<number> {
  const row = await ctx.deps.d1
    .prepare('SELECT counts FROM runs WHERE id = ?')
    .bind(holderRun)
    .first<{ counts: string }>()
  const k = JSON.parse(row?.counts || '{}') as Record<string, number>
  return (k.listBefore ?? 0) + (k.added ?? 0) - (k.removed ?? 0)
}

/** Plans and stages the exact-mode writes; a StepResult when the run must go full. */
async function stageExact(
  ctx: StepContext,
  touched: TouchedCustomer[]
): Promise<StepResult | null> {
  const c = ctx.cursor
  const holderRun = c.incHolderRun
  if (holderRun === null) {
    // No complete full run covers the watermark: nothing proves what the list holds, so a
    // possible removal (someone left, opted out or is gone) needs a full run.
    const removal = touched.some(
      (t) => t.kind === 'gone' || (t.kind !== 'invalid' && (!t.member || t.kind === 'opted_out'))
    )
    if (removal && !c.incNoRemovals) return becomeFull(ctx, c.incUpTo, 'no holder index')
  }
  const noIndex: HolderFacts = { byHash: new Map(), heldBy: new Map() }
  const facts = holderRun === null ? noIndex : await loadHolderFacts(ctx, holderRun, touched)
  const plan = planExactIncremental(touched, facts, {
    listSize: holderRun === null ? 0 : await listSizeOf(ctx, holderRun),
    percent: ctx.run.guardPercent,
    minCount: ctx.run.guardMinCount,
  })
  if (plan.full) return becomeFull(ctx, c.incUpTo, plan.full)
  // The plan applied the removal guard against the list size after the holder run (a trip turned
  // the run full, where the guard is checked on the list read); `check` must not re-apply it to
  // this run's list count, which an incremental run does not read.
  c.confirmed = true
  const removes = c.incNoRemovals ? [] : plan.removes
  ctx.counts = addCounts(ctx.counts, { ...plan.counts, plannedRemove: removes.length })
  for (const e of plan.adds) if (!heldForFields(c, e)) c.pend.push(`+${e}`)
  for (const e of removes) c.pend.push(`-${e}`)
  stageBatches(ctx, true)
  if (holderRun !== null && plan.append.length > 0) {
    // One row for all of this run's entries (not one per partition): D1 bills per row written.
    const lines = encodeHolders(plan.append)
    for (let i = 0; i * HOLDER_ROW_ENTRIES < lines.length; i++)
      ctx.extra.push(
        fenced(
          ctx,
          `INSERT OR REPLACE INTO run_chunks (run_id, side, bucket, seq, item_count, data)
           SELECT ?, ?, ?, ?, ?, ? WHERE 1`,
          holderRun,
          SIDES.holders,
          APPENDED,
          -(ctx.run.id * 1000 + i),
          Math.min(HOLDER_ROW_ENTRIES, lines.length - i * HOLDER_ROW_ENTRIES),
          lines.slice(i * HOLDER_ROW_ENTRIES, (i + 1) * HOLDER_ROW_ENTRIES).join('\n')
        )
      )
  }
  return null
}

/** cursor.pendFields by address, built once per step. */
const pendIndex = new WeakMap<object, Map<string, [string, string, boolean]>>()

/**
 * Whether an addition waits for its field check (#15): marked as one in cursor.pendFields, it is
 * staged after the check, as an update row or the same plain addition, in the same import call.
 */
function heldForFields(c: StepContext['cursor'], email: string): boolean {
  let index = pendIndex.get(c.pendFields)
  if (!index) {
    index = new Map(c.pendFields.map((f) => [f[0], f]))
    pendIndex.set(c.pendFields, index)
  }
  const p = index.get(email)
  if (!p) return false
  p[2] = true
  return true
}

/** The one step of the `incremental` phase: load, plan and stage, or turn full. */
export async function stepIncremental(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  const touched = await begin(ctx)
  if (!Array.isArray(touched)) return touched
  if (ctx.run.mode !== 'subtract') {
    // Changed mapped data (#15): each candidate is looked up in Unisender at the start of `write`
    // (incremental-fields.ts); more than a run checks goes full, whose export writes them safely.
    const candidates = fieldCandidates(c.fields, touched)
    if (candidates.length > MAX_FIELD_CHECKS)
      return becomeFull(ctx, c.incUpTo, 'too many field changes')
    c.pendFields = candidates.map(([e, v]) => [e, v, false])
  }
  if (ctx.run.mode === 'exact') {
    const early = await stageExact(ctx, touched)
    if (early) return early
  } else {
    const plan = planTouched(
      {
        mode: ctx.run.mode,
        allCustomers: ctx.run.allCustomers === 1,
        segmentCode: ctx.run.segmentCode,
        guardMinCount: ctx.run.guardMinCount,
      },
      touched
    )
    if (plan.full) return becomeFull(ctx, c.incUpTo, plan.full)
    ctx.counts = addCounts(ctx.counts, plan.counts)
    const adds = plan.adds.filter((e) => !heldForFields(c, e))
    for (let i = 0; i < adds.length; i += IMPORT_BATCH_MAX)
      ctx.stage(SIDES.add, 0, adds.slice(i, i + IMPORT_BATCH_MAX), c.batchesA++)
    c.pendExclude.push(...plan.excludes)
  }
  advanceWatermark(ctx, c.incUpTo!)
  ctx.progressDone++
  ctx.progressTotal = ctx.progressDone + c.batchesA + c.batchesW + 2
  return { kind: 'next', phase: 'check' }
}
