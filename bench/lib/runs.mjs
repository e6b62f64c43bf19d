/**
 * One measured run: trigger it (save the sync form, or change the CRM and fire the cron), wait for
 * every run it caused to finish, and gather wall time, CPU, memory, invocations, API calls
 * (module's own counters and the Unisender emulator's) and the run counts.
 */
import { loadavg } from 'node:os'
import { minimumCalls, rateBound, summarize } from './report.mjs'
import { emulatorCalls, fireCron, waitForRuns } from './scenario.mjs'

const sumObj = (o) => Object.values(o ?? {}).reduce((a, v) => a + (Number(v) || 0), 0)

/** How long to wait for the first run to appear after the trigger before giving up. */
const APPEAR_MS = 150_000

/** `opts.tick`: keep firing the cron every 60 s until a run appears (as production would). */
export async function measuredRun(ctx, label, trigger, opts = {}) {
  const { collector, args } = ctx
  const lastRun = ctx.appDb.one('SELECT max(id) AS id FROM runs')?.id ?? 0
  const before = await emulatorCalls(ctx, ctx.shop)
  collector.begin(label)
  const t0 = Date.now()
  await trigger()
  console.log(`bench: ${label}: triggered; waiting for the run(s)`)
  const deadline = Math.min(ctx.deadline, Date.now() + APPEAR_MS)
  let waited = await waitUntilRunAppears(ctx, lastRun, deadline, opts.tick)
  if (waited) {
    waited = await waitForRuns(ctx, ctx.syncId, lastRun, ctx.deadline, (runs) => {
      const r = runs.at(-1)
      if (r)
        console.log(
          `bench: ${label}: run ${r.id} ${r.status}/${r.phase} (${Math.round((Date.now() - t0) / 1000)} s)`
        )
    })
  } else waited = { runs: [], timedOut: true }
  const detectedAt = Date.now()
  const window = collector.end()
  const after = await emulatorCalls(ctx, ctx.shop)
  const runs = waited.runs
  const finishedAt = Math.max(...runs.map((r) => r.finished_at ?? 0))
  const wallS = ((finishedAt > t0 ? finishedAt : detectedAt) - t0) / 1000
  const counts = runs.map((r) => JSON.parse(r.counts || '{}'))
  const apiCalls = runs.map((r) => JSON.parse(r.api_calls || '{}'))
  const total = (list, k) => list.reduce((a, c) => a + (Number(c[k]) || 0), 0)
  const read = total(counts, 'readFromCrm')
  const adds = total(counts, 'added')
  const removes = total(counts, 'removed')
  const calls = { crm: total(apiCalls, 'retailcrm'), unisender: total(apiCalls, 'unisender') }
  const uniEmulator = sumObj(after.unisender) - sumObj(before.unisender)
  const sum = summarize(window.steps)
  const list = ctx.sandboxDb.one(
    `SELECT count(*) AS n FROM uni_members m JOIN uni_lists l ON l.id = m.list_id
     WHERE l.title = 'Бенчмарк' AND m.status = 'active'`
  )
  const result = {
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
    listActiveAfter: list?.n ?? null,
    label,
    n: args.n,
    mode: 'exact',
    timedOut: waited.timedOut,
    stalled: Boolean(waited.stalled),
    runs: runs.map((r) => ({
      id: r.id,
      status: r.status,
      kind: r.kind,
      trigger: r.trigger,
      error: r.error_code ? `${r.error_code}: ${r.error_message}` : null,
      counts: JSON.parse(r.counts || '{}'),
      apiCalls: JSON.parse(r.api_calls || '{}'),
    })),
    wallS,
    bound: rateBound({ read: read || args.n, adds, removes }),
    min: minimumCalls({
      read: read || args.n,
      adds,
      removes,
      newList: label === 'full',
      incremental: label !== 'full',
    }),
    calls,
    emulatorCalls: {
      unisender: uniEmulator,
      unisenderByMethod: diff(before.unisender, after.unisender),
    },
    sum,
    processCpuMs: window.processCpuMs,
    cpuPer1kMs: window.processCpuMs / (args.n / 1000),
    invocationCpuPer1kMs: sum.cpuMsSum / (args.n / 1000),
    peakRss: window.peakRssSampled,
    peakRssKernel: window.peakRssKernel,
    peakHeapUsed: window.peakHeapUsed,
    peakHeapTotal: window.peakHeapTotal,
    peakHeapLive: window.peakHeapLive,
    steps: window.steps,
  }
  console.log(
    `bench: ${label}: ${runs.map((r) => `run ${r.id} ${r.status}`).join(', ') || 'no run'} in ${wallS.toFixed(1)} s` +
      (waited.stalled
        ? ' (STALLED: nothing moved for 6 min)'
        : waited.timedOut
          ? ' (TIMED OUT)'
          : '')
  )
  return result
}

function diff(before, after) {
  const out = {}
  for (const [k, v] of Object.entries(after ?? {})) {
    const d = v - (before?.[k] ?? 0)
    if (d) out[k] = d
  }
  return out
}

/** Waits until a run newer than `lastRun` exists (setting ctx.syncId from it); false on timeout. */
async function waitUntilRunAppears(ctx, lastRun, deadline, tick) {
  let nextTick = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (tick && Date.now() >= nextTick) {
      nextTick += 60_000
      await fireCron(ctx)
    }
    const r = ctx.appDb.one(
      'SELECT id, sync_id FROM runs WHERE id > ? ORDER BY id LIMIT 1',
      lastRun
    )
    if (r) {
      ctx.syncId ??= r.sync_id
      return true
    }
    await new Promise((res) => setTimeout(res, 200))
  }
  return false
}
