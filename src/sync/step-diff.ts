/**
 * The `diff` phase: loads a bounded number of partitions per step (both sides of each), plans
 * them, and stages the adds and removes as ready-to-send batches of 500 (the importContacts
 * maximum). The partial batch is carried in the cursor, so the whole run sends exactly
 * ceil(adds/500) + ceil(removes/500) import calls.
 */
import { IMPORT_BATCH_MAX } from '../clients/unisender'
import type { SyncMode } from '../db/schema'
import type { StepContext } from './context'
import type { RejectReason } from './counts'
import { addCounts, diffPartition, type PartitionInput } from './diff'
import { PARTITIONS, packRefused, unpack, unpackRefused } from './partition'
import type { StepResult } from './result'
import { REJECT_CAP, SIDES } from './state'
import { loadChunks, partitionSizes } from './store'

const INPUT_SIDES = [
  SIDES.segment,
  SIDES.optedOut,
  SIDES.role,
  SIDES.list,
  SIDES.listUnsubscribed,
  SIDES.listLeft,
]

/** Stages full batches from a pending list; with `all`, the last partial one too. */
function stageBatches(ctx: StepContext, side: 'A' | 'R', all: boolean): void {
  const c = ctx.cursor
  const pend = side === 'A' ? c.pendA : c.pendR
  while (pend.length >= IMPORT_BATCH_MAX || (all && pend.length > 0)) {
    const batch = pend.splice(0, IMPORT_BATCH_MAX)
    const seq = side === 'A' ? c.batchesA++ : c.batchesR++
    ctx.stage(side, 0, batch, seq)
  }
}

/** One step of the `diff` phase. */
export async function stepDiff(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  const d1 = ctx.deps.d1
  const sizes = await partitionSizes(d1, ctx.run.id, INPUT_SIDES)
  let to = c.partition
  let load = 0
  while (
    to < PARTITIONS &&
    (to === c.partition || load + (sizes.get(to) ?? 0) <= ctx.deps.diffEmailsPerStep)
  ) {
    load += sizes.get(to) ?? 0
    to++
  }
  const rows = await loadChunks(d1, ctx.run.id, INPUT_SIDES, c.partition, to)
  const inputs = new Map<number, PartitionInput & { X: Map<string, RejectReason> }>()
  for (let p = c.partition; p < to; p++)
    inputs.set(p, { S: [], O: [], K: [], L: [], U: [], N: [], X: new Map() })
  if (c.prevRunId !== null) {
    const prev = await loadChunks(d1, c.prevRunId, [SIDES.refused], c.partition, to)
    for (const r of prev) unpackRefused(r.data, inputs.get(r.bucket)!.X)
  }
  for (const r of rows) {
    const input = inputs.get(r.bucket)!
    const arr = input[r.side as keyof PartitionInput] as string[]
    for (const e of unpack(r.data)) arr.push(e)
  }
  const additionsOnly = c.incomplete !== null
  for (const [partition, input] of inputs) {
    const plan = diffPartition(ctx.run.mode as SyncMode, input, {
      additionsOnly,
      rejectCap: Math.max(0, REJECT_CAP - c.rejects),
    })
    ctx.counts = addCounts(ctx.counts, plan.counts)
    for (const r of plan.rejects) ctx.reject(r.email, r.reason)
    ctx.stage(SIDES.refused, partition, packRefused(plan.refused))
    for (const e of plan.adds) c.pendA.push(e)
    for (const e of plan.removes) c.pendR.push(e)
    stageBatches(ctx, 'A', false)
    stageBatches(ctx, 'R', false)
    ctx.progressDone++
  }
  c.partition = to
  if (to < PARTITIONS) return { kind: 'next' }
  stageBatches(ctx, 'A', true)
  stageBatches(ctx, 'R', true)
  return { kind: 'next', phase: 'check' }
}
