/**
 * The `shared_wait` phase of a member of a shared read (docs/shared-read.md): the run has started
 * its list export (`planned`) and waits for its leader's read instead of reading. Each step looks
 * at the leader once and either waits again (a delayed message, so the watchdog sees it commit),
 * takes the complete read (its counts, and its incompleteness: a partial read only ever adds),
 * or reads on its own: a leader that failed, was cancelled or left this run out never becomes
 * this run's picture. The rows a failed leader wrote here are deleted in the same fenced batch
 * that sends the run to `read_crm` with a fresh read position. A run whose sync is paused while it
 * waits ends as cancelled before anything is written.
 */
import type { StepContext } from './context'
import { whileFenced } from './fenced-writes'
import { PARTITIONS } from './partition'
import type { StepResult } from './result'
import { SEGMENT_MISSING_FAILURE } from './segment-check'
import { memberVerdict } from './shared-read'
import { leaderOf } from './shared-read-store'
import { SIDES } from './state'

export const PAUSED_WHILE_WAITING =
  'The sync was paused while its run waited for the shared read of the shop; the list was not changed.'

/** One step of the `shared_wait` phase. */
export async function stepSharedWait(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  if (c.readId === null) return { kind: 'next', phase: 'read_crm' }
  const look = await leaderOf(ctx.deps.d1, ctx.run.tenantId, ctx.run.syncId, c.readId)
  // Paused (by the user, or for a deleted segment or account): stop before anything is written,
  // as cancelled (no failure to alert about).
  // The leader's rejects staged here go too (its chunks go with the run's close): the run read
  // nothing, so it lists no rejected address.
  if (look.syncState !== 'active') {
    ctx.extra.push(
      whileFenced(ctx.deps.d1, ctx.fence, 'DELETE FROM run_rejects WHERE run_id = ?', ctx.run.id)
    )
    return { kind: 'fail', code: 'sync_paused', message: PAUSED_WHILE_WAITING, cancelled: true }
  }
  const v = memberVerdict(look.leader, ctx.run.id)
  if (v.kind === 'wait') return { kind: 'next', delaySeconds: v.delaySeconds }
  if (v.kind === 'own') {
    readOnOwn(ctx)
    return { kind: 'next', phase: 'read_crm' }
  }
  const { member: m, leader } = v
  ctx.counts.readFromCrm += m.read
  ctx.counts.invalid += m.invalid
  c.rejects += m.rejects
  c.crmTotal = m.read
  c.crmPages = leader.crmPages
  c.crmLimit = leader.crmLimit
  const why = m.incomplete ?? leader.lead?.incomplete ?? null
  if (why && !c.incomplete) c.incomplete = why
  ctx.progressDone = leader.crmPages
  ctx.progressTotal = leader.crmPages + PARTITIONS + 2
  if (m.missing) return SEGMENT_MISSING_FAILURE
  return { kind: 'next', phase: c.listExists ? 'export_wait' : 'diff' }
}

/**
 * Leaves the shared read: deletes what the leader staged here (segment sides and rejects; the
 * run has staged nothing of its own yet) and starts a read of its own source from the first page.
 */
function readOnOwn(ctx: StepContext): void {
  const d1 = ctx.deps.d1
  const id = ctx.run.id
  const c = ctx.cursor
  ctx.extra.push(
    whileFenced(
      d1,
      ctx.fence,
      'DELETE FROM run_chunks WHERE run_id = ? AND side IN (?, ?, ?)',
      id,
      SIDES.segment,
      SIDES.optedOut,
      SIDES.role
    ),
    whileFenced(d1, ctx.fence, 'DELETE FROM run_rejects WHERE run_id = ?', id)
  )
  c.readId = null
  c.page = 1
  c.crmTotal = null
  c.crmPages = 0
  c.crmLimit = null
  c.crmSkip = 0
  c.incomplete = null
}
