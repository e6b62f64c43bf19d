/**
 * The `diff` phase: loads a bounded slice of the staged emails per step (whole partitions, or a
 * range of one large partition: diff-slice.ts), plans it, and stages the adds, removes and
 * contact-field updates (#15) together as ready-to-send batches of 500 (the importContacts maximum; one row adds with email_list_ids,
 * another removes with email_excluded_list_ids). The partial batch is carried in the cursor, so
 * the whole run sends exactly ceil((adds + removes)/500) import calls.
 */
import { IMPORT_BATCH_MAX } from '../clients/unisender'
import type { SyncMode } from '../db/schema'
import { memoryPeak } from '../lib/metering'
import type { StepContext } from './context'
import type { RejectReason } from './counts'
import { addCounts, diffPartition, type PartitionInput } from './diff'
import { diffSlice, sliceFilter } from './diff-slice'
import { parseListLine, parseMemberLine } from './field-lines'
import { buildHolders, encodeHolders, HOLDER_ROW_ENTRIES } from './holders'
import { PARTITIONS, packRefused, SUBS, unpack, unpackRefused } from './partition'
import type { StepResult } from './result'
import { REJECT_CAP, SAMPLE_SIZE, SIDES } from './state'
import { forEachChunk, partitionSizes } from './store'

const INPUT_SIDES = [
  SIDES.segment,
  SIDES.optedOut,
  SIDES.role,
  SIDES.list,
  SIDES.listUnsubscribed,
  SIDES.listLeft,
]

/**
 * Stages the pending ops (cursor.pend, `+email` / `-email`) as import batches of 500: full ones,
 * and with `all` the last partial one too. Incremental runs stage theirs the same way.
 */
export function stageBatches(ctx: StepContext, all: boolean): void {
  const c = ctx.cursor
  while (c.pend.length >= IMPORT_BATCH_MAX || (all && c.pend.length > 0)) {
    const batch = c.pend.splice(0, IMPORT_BATCH_MAX)
    if (batch.some((op) => op.startsWith('+'))) c.batchesWithAdds++
    ctx.stage(SIDES.write, 0, batch, c.batchesW++)
  }
}

/** Stages the holder index rows of one partition (addresses in the list after the run flagged). */
function stageHolders(
  ctx: StepContext,
  partition: number,
  input: PartitionInput,
  adds: readonly string[],
  pairs: readonly [string, number][]
): void {
  const listed = new Set([...input.L, ...input.U, ...adds])
  const lines = encodeHolders(buildHolders(pairs, (e) => listed.has(e)))
  for (let i = 0; i < lines.length; i += HOLDER_ROW_ENTRIES)
    ctx.stage(SIDES.holders, partition, lines.slice(i, i + HOLDER_ROW_ENTRIES))
}

/**
 * Sides whose lines are `email<TAB>customer id[<TAB>values]` (step-read-crm.ts, field-lines.ts);
 * the others hold emails (active list members with their value hashes when fields are mapped).
 */
const isMemberSide = (side: string) =>
  side === SIDES.segment || side === SIDES.optedOut || side === SIDES.role

/** One step of the `diff` phase. */
export async function stepDiff(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  const d1 = ctx.deps.d1
  const sizes = await partitionSizes(d1, ctx.run.id, INPUT_SIDES)
  const slice = diffSlice(sizes, c.partition, c.sub, ctx.deps.diffEmailsPerStep)
  const keep = sliceFilter(slice)
  type Fields = { n: number; crm: Map<string, string>; list: Map<string, string> }
  const inputs = new Map<number, PartitionInput & { X: Map<string, RejectReason>; F?: Fields }>()
  const n = c.fields.length
  for (let p = slice.from; p < slice.to; p++) {
    const F =
      n > 0 ? { n, crm: new Map<string, string>(), list: new Map<string, string>() } : undefined
    inputs.set(p, { S: [], O: [], K: [], L: [], U: [], N: [], X: new Map(), F })
  }
  if (c.prevRunId !== null) {
    await forEachChunk(d1, c.prevRunId, [SIDES.refused], slice.from, slice.to, (r) =>
      unpackRefused(r.data, inputs.get(r.bucket)!.X, keep)
    )
  }
  const additionsOnly = c.incomplete !== null
  // Exact syncs keep who held each address, for their incremental runs (holders.ts); only a
  // complete picture may serve as proof, so an incomplete or dry run builds none.
  const indexed = ctx.run.mode === 'exact' && !additionsOnly && !ctx.dryRun
  const holders = new Map<number, [string, number][]>()
  await forEachChunk(d1, ctx.run.id, INPUT_SIDES, slice.from, slice.to, (r) => {
    const input = inputs.get(r.bucket)!
    const arr = input[r.side as keyof PartitionInput] as string[]
    if (r.side === SIDES.list && input.F) {
      // Active members carry the hashes of their mapped values (field-lines.ts).
      for (const line of unpack(r.data)) {
        const [email, hashes] = parseListLine(line)
        if (!keep(email)) continue
        arr.push(email)
        if (hashes !== '') input.F.list.set(email, hashes)
      }
      return
    }
    if (!isMemberSide(r.side)) {
      for (const line of unpack(r.data)) {
        const email = parseListLine(line)[0]
        if (keep(email)) arr.push(email)
      }
      return
    }
    // Segment sides carry the customer id (step-read-crm.ts); valid and role members are holders.
    const pairs = holders.get(r.bucket) ?? []
    holders.set(r.bucket, pairs)
    const holds = indexed && r.side !== SIDES.optedOut
    for (const line of unpack(r.data)) {
      const [email, id, values] = parseMemberLine(line)
      if (!keep(email)) continue
      arr.push(email)
      if (values !== '' && input.F && r.side === SIDES.segment) input.F.crm.set(email, values)
      if (holds) pairs.push([email, id])
    }
  })
  for (const [partition, input] of inputs) {
    const plan = diffPartition(ctx.run.mode as SyncMode, input, {
      additionsOnly,
      rejectCap: Math.max(0, REJECT_CAP - c.rejects),
    })
    if (indexed) stageHolders(ctx, partition, input, plan.adds, holders.get(partition) ?? [])
    // `npm run bench` only: the live heap at this step's fullest point (every input still held).
    if (partition === slice.to - 1) memoryPeak('diff', inputs, holders, plan)
    ctx.counts = addCounts(ctx.counts, plan.counts)
    for (const r of plan.rejects) ctx.reject(r.email, r.reason)
    ctx.stage(SIDES.refused, partition, packRefused(plan.refused))
    // Additions carry their mapped values; updates only the changed ones (#15, step-write.ts).
    for (const e of plan.adds) {
      const values = input.F?.crm.get(e)
      c.pend.push(values ? `+${e}\t${values}` : `+${e}`)
    }
    for (const e of plan.removes) c.pend.push(`-${e}`)
    for (const u of plan.updates) c.pend.push(`~${u.email}\t${u.values}`)
    for (const u of plan.updates.slice(0, SAMPLE_SIZE - c.sampleU.length)) c.sampleU.push(u.email)
    for (const e of plan.adds.slice(0, SAMPLE_SIZE - c.sampleA.length)) c.sampleA.push(e)
    for (const e of plan.removes.slice(0, SAMPLE_SIZE - c.sampleR.length)) c.sampleR.push(e)
    stageBatches(ctx, false)
    if (slice.subTo === SUBS) ctx.progressDone++
  }
  if (slice.subTo < SUBS) {
    c.sub = slice.subTo
    return { kind: 'next' }
  }
  c.sub = 0
  c.partition = slice.to
  if (slice.to < PARTITIONS) return { kind: 'next' }
  stageBatches(ctx, true)
  ctx.stage(SIDES.sampleAdd, 0, c.sampleA, 0)
  ctx.stage(SIDES.sampleRemove, 0, c.sampleR, 0)
  ctx.stage(SIDES.sampleUpdate, 0, c.sampleU, 0)
  return { kind: 'next', phase: 'check' }
}
