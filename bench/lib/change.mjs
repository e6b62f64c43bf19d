/**
 * The run after a change, measured as production meets it: recalculate the segment in the sandbox
 * CRM so that 1% of it changes, fire the cron as the Cron Trigger does (at once, then every 60 s),
 * and measure every run of the sync the change caused until the sync is idle (no active run, no
 * run marked due) and the sandbox list is right (every joining email an active member, no leaving
 * one). If the history poll spans several ticks there are several runs: their API calls are
 * summed, per-invocation figures are the maximum over all of them, wall time runs from the
 * change to the last run's finish. The row is labelled with the run kinds actually seen.
 */
import { plannedChange, visible } from './latency.mjs'
import { minimumCalls, rateBound } from './report.mjs'
import { beginMeasure, gather } from './runs.mjs'
import { changeSegment, fireCron, runsAfter, STALL_MS } from './scenario.mjs'

const FINAL = new Set(['done', 'failed', 'cancelled', 'needs_confirmation'])
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Whether the sync has nothing left to do: no active run and no run marked due. */
function syncIdle(ctx, runs) {
  if (runs.some((r) => !FINAL.has(r.status))) return false
  const s = ctx.appDb.one('SELECT next_run_kind FROM syncs WHERE id = ?', ctx.syncId)
  return !s?.next_run_kind
}

/**
 * `k` customers leave the segment and `k` join; returns the measured row (key 'change').
 * Its minimum Unisender calls are those of applying the known change: the imports of the
 * joining and leaving emails (500 rows each) + getUserInfo (the plan check) when adding.
 */
export async function changeTriggeredRun(ctx, k) {
  const list = ctx.sandboxDb.one("SELECT id FROM uni_lists WHERE title = 'Бенчмарк'")
  const plan = await plannedChange(ctx, k, k)
  const label0 = 'change-triggered'
  const m = await beginMeasure(ctx, label0)
  await changeSegment(ctx.shop, ctx.segment.id, { add: k, remove: k })
  await fireCron(ctx)
  console.log(`bench: ${label0}: ${k} leave, ${k} join; cron fired, then every 60 s`)
  let nextTick = m.t0 + 60_000
  let signature = ''
  let movedAt = Date.now()
  let printed = 0
  let listRight = false
  let runs = []
  let waited = null
  while (!waited) {
    if (Date.now() >= ctx.deadline) {
      waited = { runs, timedOut: true }
      break
    }
    if (Date.now() >= nextTick) {
      nextTick += 60_000
      await fireCron(ctx)
    }
    runs = runsAfter(ctx, ctx.syncId, m.lastRun)
    if (runs.length > 0 && syncIdle(ctx, runs)) {
      listRight = list ? visible(ctx, list.id, plan) : false
      if (listRight) waited = { runs, timedOut: false }
    }
    const sig = JSON.stringify(runs.map((r) => [r.id, r.status, r.phase, r.cursor, r.api_calls]))
    if (sig !== signature) {
      signature = sig
      movedAt = Date.now()
    } else if (!waited && Date.now() - movedAt > STALL_MS) {
      waited = { runs, timedOut: true, stalled: true }
    }
    if (!waited && Date.now() - printed > 10_000) {
      printed = Date.now()
      const r = runs.at(-1)
      console.log(
        `bench: ${label0}: ${r ? `run ${r.id} ${r.kind} ${r.status}/${r.phase}` : 'no run yet'} (${Math.round((Date.now() - m.t0) / 1000)} s)`
      )
    }
    if (!waited) await sleep(runs.length > 0 ? 500 : 250)
  }
  const changes = plan.in.length + plan.out.length
  return gather(ctx, m, {
    key: 'change',
    label: label0,
    waited,
    // What applying the known change needs at the rate limits: re-read the changed customers
    // (10 requests/s) and import the changes (20 calls/s).
    bound: rateBound({ read: changes, adds: plan.in.length, removes: plan.out.length }),
    minimum: () => ({
      // Re-reading the changed customers, 100 per request (the cron's history polls aside).
      crm: Math.ceil(changes / 100),
      unisender: minimumCalls({
        read: 0,
        adds: plan.in.length,
        removes: plan.out.length,
        incremental: true,
      }).unisender,
    }),
    extra: { changes, joining: plan.in.length, leaving: plan.out.length, listRight },
  })
}
