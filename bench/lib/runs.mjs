/**
 * One measured run: trigger it (save the sync form, press «run now»), wait for every run it
 * caused to finish, and gather wall time, CPU, memory, invocations, API calls (module's own
 * counters and both emulators') and the run counts. The run after a change has its own waiting
 * rule (change.mjs) but is gathered the same way (`gather`).
 */
import { loadavg } from 'node:os'
import { d1FileBytes } from './dbs.mjs'
import { minimumCalls, rateBound, summarize } from './report.mjs'
import { emulatorCalls, fireCron, waitForRuns } from './scenario.mjs'

const sumObj = (o) => Object.values(o ?? {}).reduce((a, v) => a + (Number(v) || 0), 0)

/** How long to wait for the first run to appear after the trigger before giving up. */
const APPEAR_MS = 150_000

/** The run kinds seen, in order of first appearance: "incremental", "2 × incremental + full". */
export function kindsLabel(runs) {
  const counts = new Map()
  for (const r of runs) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1)
  return [...counts].map(([k, n]) => (n > 1 ? `${n} × ${k}` : k)).join(' + ') || 'no run'
}

/** Where a measurement starts: the last run id, both emulators' counters, the collector window. */
export async function beginMeasure(ctx, label) {
  const lastRun = ctx.appDb.one('SELECT max(id) AS id FROM runs')?.id ?? 0
  const before = await emulatorCalls(ctx, ctx.shop)
  ctx.collector.begin(label)
  return { lastRun, before, t0: Date.now() }
}

/**
 * Ends the collector window and gathers the figures of `waited.runs` (all runs of the
 * measurement). `minimum(totals)` gives the minimum API calls from the runs' summed counts;
 * `bound` overrides the rate-limit bound computed from them.
 */
export async function gather(ctx, m, { key, label, waited, minimum, bound = null, extra = {} }) {
  const { collector, args } = ctx
  const detectedAt = Date.now()
  const window = collector.end()
  const after = await emulatorCalls(ctx, ctx.shop)
  const runs = waited.runs
  const finishedAt = Math.max(0, ...runs.map((r) => r.finished_at ?? 0))
  const wallS = ((finishedAt > m.t0 ? finishedAt : detectedAt) - m.t0) / 1000
  const counts = runs.map((r) => JSON.parse(r.counts || '{}'))
  const apiCalls = runs.map((r) => JSON.parse(r.api_calls || '{}'))
  const total = (list, k) => list.reduce((a, c) => a + (Number(c[k]) || 0), 0)
  const totals = {
    read: total(counts, 'readFromCrm'),
    adds: total(counts, 'added'),
    removes: total(counts, 'removed'),
  }
  const calls = { crm: total(apiCalls, 'retailcrm'), unisender: total(apiCalls, 'unisender') }
  const sum = summarize(window.steps)
  const list = ctx.sandboxDb.one(
    `SELECT count(*) AS n FROM uni_members m JOIN uni_lists l ON l.id = m.list_id
     WHERE l.title = 'Бенчмарк' AND m.status = 'active'`
  )
  const result = {
    key,
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
    listActiveAfter: list?.n ?? null,
    label: `${label} (${kindsLabel(runs)})`,
    kinds: kindsLabel(runs),
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
    bound:
      bound ??
      rateBound({ read: totals.read || args.n, adds: totals.adds, removes: totals.removes }),
    min: minimum(totals),
    calls,
    emulatorCalls: {
      unisender: sumObj(after.unisender) - sumObj(m.before.unisender),
      unisenderByMethod: diff(m.before.unisender, after.unisender),
      crmByMethod: diff(m.before.crm?.calls, after.crm?.calls),
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
    heapSamples: window.heapSamples,
    liveSamples: window.liveSamples,
    peaks: window.peaks,
    peakStepLive: window.peakStepLive,
    peakStepLabel: window.peakStepLabel,
    peakByLabel: window.peakByLabel,
    simPeak: window.simPeak,
    d1Bytes: d1FileBytes(ctx.appState),
    steps: window.steps,
    ...extra,
  }
  console.log(
    `bench: ${label}: ${runs.map((r) => `run ${r.id} ${r.kind} ${r.status}`).join(', ') || 'no run'} in ${wallS.toFixed(1)} s` +
      (waited.stalled
        ? ' (STALLED: nothing moved for 6 min)'
        : waited.timedOut
          ? ' (TIMED OUT)'
          : '')
  )
  return result
}

/**
 * A run started by a form post (the sync form for the first run, «run now» for the forced full
 * run): waits for every run it caused to finish. `opts.newList`: the run creates its list.
 */
export async function measuredRun(ctx, key, label, trigger, opts = {}) {
  const m = await beginMeasure(ctx, label)
  await trigger()
  console.log(`bench: ${label}: triggered; waiting for the run(s)`)
  const deadline = Math.min(ctx.deadline, Date.now() + APPEAR_MS)
  let waited = await waitUntilRunAppears(ctx, m.lastRun, deadline, opts.tick)
  if (waited) {
    waited = await waitForRuns(ctx, ctx.syncId, m.lastRun, ctx.deadline, (runs) => {
      const r = runs.at(-1)
      if (r)
        console.log(
          `bench: ${label}: run ${r.id} ${r.status}/${r.phase} (${Math.round((Date.now() - m.t0) / 1000)} s)`
        )
    })
  } else waited = { runs: [], timedOut: true }
  return gather(ctx, m, {
    key,
    label,
    waited,
    minimum: (t) =>
      minimumCalls({
        read: t.read || ctx.args.n,
        adds: t.adds,
        removes: t.removes,
        newList: Boolean(opts.newList),
      }),
  })
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
export async function waitUntilRunAppears(ctx, lastRun, deadline, tick) {
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
