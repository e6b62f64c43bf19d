/**
 * The `write` phase: sends the staged batches, a bounded number of importContacts calls per
 * step, checkpointing after each call. Additions are rows (email, email_list_ids=L); removals
 * are rows (email, email_excluded_list_ids=L) for emails that are in L, in the same calls: the contact leaves this list only, keeps its other lists and its status, and is not
 * unsubscribed. Contact-field updates (#15) are rows with empty list columns and only the changed
 * values. No row ever carries email_status, so nobody is resubscribed.
 */
import { ApiError } from '../clients/errors'
import type { ImportResult, UnisenderClient } from '../clients/unisender'
import type { StepContext } from './context'
import type { RejectReason } from './counts'
import { unpackValues } from './field-values'
import { mentionsPlanLimit, planShortfall } from './guard'
import { drainFieldChecks } from './incremental-fields'
import { packRefused, partitionOf, unpack } from './partition'
import { drainChecks, PLAN_LIMIT_CHECK } from './resent-check'
import type { StepResult } from './result'
import { SIDES } from './state'
import { planLimitMessage } from './step-check'
import { loadBatches } from './store'

/** Maps one import log entry to a reject reason (per-row codes are UNCONFIRMED: read the text). */
export function logReason(code: string, message: string): RejectReason {
  const t = `${code} ${message}`
  // A value a mapped field refused (#15): checked first, its text may also say "invalid".
  if (/field|пол[еяю]/i.test(t)) return 'field_value_refused'
  if (/unsubscrib|blocked|отпис|заблок/i.test(t)) return 'unsubscribed_in_unisender'
  if (/role|ролев/i.test(t)) return 'role_address'
  if (/invalid|incorrect|malformed|некоррект|неверн/i.test(t)) return 'invalid_email'
  return 'rejected_by_unisender'
}

/**
 * One row of an import batch: the email, whether it is added (true) or removed, or (`update`) only
 * its mapped fields are written, and the packed values it carries (#15).
 */
interface Op {
  email: string
  add: boolean
  update?: boolean
  values?: string
}

/** Splits `email[<TAB>values]`. */
function withValues(rest: string): { email: string; values: string } {
  const tab = rest.indexOf('\t')
  return tab < 0
    ? { email: rest, values: '' }
    : { email: rest.slice(0, tab), values: rest.slice(tab + 1) }
}

/**
 * The ops of a staged batch: 'A' rows add, 'R' rows remove, 'W' rows say so by a prefix: `+` adds,
 * `-` removes, `~` updates mapped fields only (step-diff.ts).
 */
export function batchOps(side: 'A' | 'W' | 'R', data: string): Op[] {
  return unpack(data).map((line) => {
    if (side !== 'W') return { ...withValues(line), add: side === 'A' }
    const op = withValues(line.slice(1))
    return { ...op, add: line[0] === '+', update: line[0] === '~' }
  })
}

/**
 * The import row of an op. List columns: an addition names the list, a removal excludes it, an
 * update leaves both empty (changes no membership). Field cells are empty unless the op carries a
 * value, and an empty cell is never meant to clear anything (docs/unisender.md §3 "User fields").
 * No column ever sets a status, so nobody is subscribed or re-subscribed by a field update.
 */
export function importRow(op: Op, list: string, nFields: number): string[] {
  const lists = op.update ? ['', ''] : op.add ? [list, ''] : ['', list]
  if (nFields === 0) return [op.email, ...lists]
  const values = op.values ? unpackValues(op.values, nFields) : Array<string>(nFields).fill('')
  return [op.email, ...lists, ...values]
}

/**
 * Folds one import result into the run's counts and rejects; returns a plan-limit message if any.
 * For a re-sent batch (`resent`), an addition refused for no reason of its own (the address is not
 * invalid, a role or unsubscribed, which an earlier call would have refused too) may have been
 * added by the earlier, unanswered call: it is checked in the list first (resent-check.ts).
 */
function applyResult(
  ctx: StepContext,
  ops: Op[],
  result: ImportResult,
  resent: boolean
): string | null {
  const refused = new Set<number>()
  for (const entry of result.log) {
    if (entry.index < 0 || entry.index >= ops.length || refused.has(entry.index)) continue
    if (mentionsPlanLimit(entry.message)) return entry.message
    refused.add(entry.index)
    const { email, add, update } = ops[entry.index]!
    if (update) {
      // A field update refused (a value, or the contact): a reject of this contact, nothing else.
      ctx.reject(email, logReason(entry.code, entry.message), entry.message.slice(0, 200))
      continue
    }
    if (!add) {
      // Some addresses (e.g. role ones) are refused in any import row: exclude them one by one.
      ctx.cursor.pendExclude.push(email)
      continue
    }
    const reason = logReason(entry.code, entry.message)
    if (resent && reason === 'rejected_by_unisender') {
      ctx.cursor.pendCheck.push([email, entry.message.slice(0, 200)])
      continue
    }
    if (reason === 'field_value_refused') {
      // Not remembered: the next run tries again (the value may have changed by then).
      ctx.reject(email, reason, entry.message.slice(0, 200))
      continue
    }
    if (reason !== 'rejected_by_unisender') {
      // Remembered so the next run does not send it again (retried at the periodic reconcile).
      ctx.stage(SIDES.refused, partitionOf(email), packRefused([{ email, reason }]))
    }
    if (reason === 'unsubscribed_in_unisender') ctx.counts.skippedUnsubscribed++
    else ctx.counts.invalid++
    ctx.reject(email, reason, entry.message.slice(0, 200))
  }
  ops.forEach((op, i) => {
    if (refused.has(i)) return
    if (op.update) ctx.counts.fieldsUpdated++
    else if (op.add) ctx.counts.added++
    else ctx.counts.removed++
  })
  return null
}

/**
 * The failure of an import refused for the plan's contact limit: says how many contacts are
 * missing for the additions still to send (one getUserInfo, only on this path).
 */
async function planLimitFailure(
  ctx: StepContext,
  uni: UnisenderClient,
  serviceMessage: string
): Promise<StepResult> {
  const left = Math.max(0, ctx.counts.plannedAdd - ctx.counts.added)
  let missing = 0
  try {
    missing = planShortfall(left, await uni.getUserInfo())
  } catch {
    // The message of the service is still worth showing.
  }
  const message =
    missing > 0
      ? planLimitMessage(left, missing, ctx.counts.added)
      : `${serviceMessage}. Check your plan.`
  return { kind: 'fail', code: 'plan_limit', message }
}

/**
 * An import refused for the plan limit may have imported some of its rows first (UNCONFIRMED,
 * docs/unisender.md §5): its additions wait in pendCheck to be looked up one by one, and the run
 * fails after that (planLimitFailure) with the exact number written.
 */
function planLimitRefused(ctx: StepContext, ops: Op[], message: string): StepResult {
  const c = ctx.cursor
  c.planLimit = message.slice(0, 300)
  for (const op of ops) if (op.add) c.pendCheck.push([op.email, PLAN_LIMIT_CHECK])
  c.sentBatch = null
  return { kind: 'next' }
}

/** `exclude` calls per step for removal rows importContacts refused. */
export const EXCLUDES_PER_STEP = 40

/** Excludes refused removal rows one by one; a contact already gone ("not found") is fine. */
async function drainExcludes(
  ctx: StepContext,
  uni: UnisenderClient,
  listId: number
): Promise<void> {
  const pend = ctx.cursor.pendExclude
  let n = 0
  while (pend.length > 0 && n < EXCLUDES_PER_STEP && !(n > 0 && ctx.pastTimeBudget())) {
    const email = pend[0]!
    n++
    try {
      await uni.exclude(email, [listId])
      ctx.counts.removed++
    } catch (err) {
      if (!(err instanceof ApiError) || err.kind !== 'fatal') throw err
      if (!/not found/i.test(err.message)) {
        ctx.counts.invalid++
        ctx.reject(email, 'rejected_by_unisender', err.message.slice(0, 200))
      }
    }
    pend.shift()
  }
}

/** One step of the `write` phase. */
export async function stepWrite(ctx: StepContext): Promise<StepResult> {
  const c = ctx.cursor
  const listId = c.listId!
  const uni = await ctx.uni()
  // One kind of work per step keeps the subrequests bounded: an incremental run's field checks
  // (before any call, #15), refused removals, then checks.
  if (c.pendFields.length > 0) {
    await drainFieldChecks(ctx, uni, listId)
    return { kind: 'next' }
  }
  if (c.pendExclude.length > 0) {
    await drainExcludes(ctx, uni, listId)
    return { kind: 'next' }
  }
  if (c.pendCheck.length > 0) {
    await drainChecks(ctx, uni, listId)
    return { kind: 'next' }
  }
  if (c.planLimit) return planLimitFailure(ctx, uni, c.planLimit)
  let calls = 0
  while (calls < ctx.deps.importsPerStep) {
    const total = { A: c.batchesA, W: c.batchesW, R: c.batchesR }[c.writeSide]
    if (c.writeSeq >= total) {
      if (c.writeSide === 'R') return { kind: 'done' }
      c.writeSide = c.writeSide === 'A' ? 'W' : 'R'
      c.writeSeq = 0
      continue
    }
    const to = Math.min(total, c.writeSeq + ctx.deps.importsPerStep - calls)
    const batches = await loadBatches(ctx.deps.d1, ctx.run.id, c.writeSide, c.writeSeq, to)
    if (batches.length === 0)
      throw new Error(`run ${ctx.run.id}: staged batch ${c.writeSeq} is missing`)
    for (const b of batches) {
      const key = `${c.writeSide}${b.seq}`
      // Sent before without a committed answer: that call may have been applied (a timeout or a
      // killed process loses the answer, not the effect).
      const resent = c.sentBatch === key
      if (!resent) {
        // Checkpoint before every call: the previous batch's answer and "this one is sent"
        // together, so a crash re-sends at most this one (idempotent) batch, knowing it.
        c.sentBatch = key
        if (!(await ctx.commit({ advance: false }))) return { kind: 'next' } // lost the fence
      }
      const ops = batchOps(c.writeSide, b.data)
      const list = String(listId)
      let result: ImportResult
      try {
        // An empty list-id cell changes nothing for that row (UNCONFIRMED on the real service;
        // the columns are documented, the empty value's meaning is not).
        const fields = c.fields.map((f) => f.target)
        result = await uni.importContacts(
          ['email', 'email_list_ids', 'email_excluded_list_ids', ...fields],
          ops.map((op) => importRow(op, list, fields.length))
        )
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'fatal' && mentionsPlanLimit(err.message)) {
          return planLimitRefused(ctx, ops, err.message)
        }
        throw err
      }
      calls++
      const limit = applyResult(ctx, ops, result, resent)
      if (limit) return planLimitRefused(ctx, ops, limit)
      c.sentBatch = null
      c.writeSeq = b.seq + 1
      ctx.progressDone++
      if (c.pendExclude.length > 0 || c.pendCheck.length > 0) return { kind: 'next' }
    }
  }
  return { kind: 'next' }
}
