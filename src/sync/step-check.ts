/**
 * The `check` phase, between planning and writing: a dry run ends here; a run that would remove
 * too much waits for the user's confirmation; a run that adds is checked against the Unisender
 * plan first and, when the additions do not fit, fails before writing anything, saying how many
 * contacts are missing.
 */
import type { StepContext } from './context'
import { guardTrips, planShortfall } from './guard'
import type { StepResult } from './result'

/** The user-facing reason of a plan-limit failure (the UI adds "Проверьте ваш тарифный план"). */
export function planLimitMessage(additions: number, missing: number, added = 0): string {
  const written =
    added > 0
      ? `${added} contacts were added before the limit was reached.`
      : 'Nothing was written.'
  return `The Unisender plan has no room for ${additions} new contacts: ${missing} are missing. ${written} Check your plan.`
}

/** The `check` step. */
export async function stepCheck(ctx: StepContext): Promise<StepResult> {
  const { counts, cursor, run } = ctx
  if (ctx.dryRun) {
    // Same reads as a real run: tell the user now if the additions would not fit the plan.
    if (counts.plannedAdd > 0) {
      const missing = planShortfall(counts.plannedAdd, await (await ctx.uni()).getUserInfo())
      if (missing > 0)
        cursor.note = `A real run would fail: ${planLimitMessage(counts.plannedAdd, missing)}`
    }
    return { kind: 'done' }
  }
  if (
    !cursor.confirmed &&
    guardTrips(counts.plannedRemove, counts.listBefore, run.guardPercent, run.guardMinCount)
  ) {
    return { kind: 'wait' }
  }
  // Check the plan before every run that adds, so that nothing is written when the additions do
  // not fit: Unisender may import up to the limit before refusing a call (UNCONFIRMED), so a
  // refused first call is no proof that nothing was written (step-write.ts reports what was).
  if (counts.plannedAdd > 0) {
    const info = await (await ctx.uni()).getUserInfo()
    if (info.api_mode === 'test') cursor.testMode = true
    const missing = planShortfall(counts.plannedAdd, info)
    if (missing > 0) {
      return {
        kind: 'fail',
        code: 'plan_limit',
        message: planLimitMessage(counts.plannedAdd, missing),
      }
    }
  }
  cursor.writeSide = 'A'
  cursor.writeSeq = 0
  ctx.progressTotal = ctx.progressDone + cursor.batchesA + cursor.batchesW + cursor.batchesR + 1
  return { kind: 'next', phase: 'write' }
}
