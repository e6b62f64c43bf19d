/**
 * Figures of the many-shops benchmark (tenants.mjs): one tick's metered invocations grouped as the
 * tick itself and its consumers (poll-tenants slices, dispatch-tenants messages, poll-history
 * messages, run steps), per-shop figures of the idle ticks scaled to a day, and the markdown section
 * of bench/results.md.
 */

const KINDS = ['poll-tenants', 'dispatch-tenants', 'poll-history', 'run-step']

function group(steps) {
  const g = {
    invocations: steps.length,
    messages: 0,
    subrequests: 0,
    maxSubrequests: 0,
    fetches: 0,
    d1Statements: 0,
    queueSends: 0,
    rowsRead: 0,
    rowsWritten: 0,
    cpuMs: 0,
    maxCpuMs: 0,
    maxWallMs: 0,
    overlapped: 0,
  }
  for (const s of steps) {
    g.messages += s.messages ?? 0
    g.subrequests += s.subrequests
    g.maxSubrequests = Math.max(g.maxSubrequests, s.subrequests)
    g.fetches += s.fetches
    g.d1Statements += s.d1Statements
    g.queueSends += s.queueSends
    g.rowsRead += s.rowsRead
    g.rowsWritten += s.rowsWritten
    g.cpuMs += s.cpuMs ?? 0
    g.maxCpuMs = Math.max(g.maxCpuMs, s.cpuMs ?? 0)
    g.maxWallMs = Math.max(g.maxWallMs, s.wallMs ?? 0)
    if (s.overlapped) g.overlapped++
  }
  return g
}

/** One tick's window (collector.end()) → the tick and its consumers, summed and maxed. */
export function summarizeTick(w, { kind, changed, n, t0, quiet }) {
  const tickSteps = w.steps.filter((s) => s.kind === 'scheduled')
  const queue = w.steps.filter((s) => s.kind === 'queue')
  const byType = Object.fromEntries(
    KINDS.map((k) => [k, group(queue.filter((s) => (s.types ?? []).includes(k)))])
  )
  const consumers = group(queue)
  // A slice delivered after pollSliceMaxAgeMs is dropped before any subrequest (poll-slice.ts).
  const staleSlices = queue.filter(
    (s) => (s.types ?? []).includes('poll-tenants') && s.subrequests === 0
  ).length
  const lastEnd = Math.max(t0, ...w.steps.map((s) => s.at))
  return {
    label: w.label,
    kind,
    changed,
    shops: n + 1,
    quiet,
    tick: group(tickSteps),
    consumers,
    staleSlices,
    byType,
    windowWallMs: lastEnd - t0,
    processCpuMs: w.processCpuMs,
    steps: w.steps,
  }
}

const f = (x, d = 0) =>
  x === null || x === undefined || Number.isNaN(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const ms = (x) =>
  x === null || x === undefined ? '—' : x >= 10_000 ? `${f(x / 1000, 1)} s` : `${f(x)} ms`

/** Per idle shop per minute and per day, from the idle ticks (averaged). */
export function idleShopFigures(ticks) {
  // The first tick after setup also carries the setup's own after-effects (the alert pass records
  // the 10 new syncs' first runs): the steady state is the idle ticks after it, when there are any.
  const all = ticks.filter((t) => t.kind === 'idle')
  const idle = all.length > 1 ? all.slice(1) : all
  if (idle.length === 0) return null
  // An idle shop's own cost is its share of the slices and of the tick; run steps and history polls
  // in an idle tick belong to the 10-sync shop's leftover work, not to the idle shops.
  const per = (pick) => idle.reduce((a, t) => a + pick(t) / t.shops, 0) / idle.length
  const sl = (t) => t.byType['poll-tenants']
  const crm = per((t) => sl(t).fetches + t.tick.fetches)
  const written = per((t) => sl(t).rowsWritten + t.tick.rowsWritten)
  const read = per((t) => sl(t).rowsRead + t.tick.rowsRead)
  const queries = per((t) => sl(t).d1Statements + t.tick.d1Statements)
  return {
    crmPerMinute: crm,
    crmPerDay: crm * 1440,
    rowsWrittenPerDay: written * 1440,
    rowsReadPerMinute: read,
    rowsReadPerDay: read * 1440,
    d1StatementsPerMinute: queries,
  }
}

/** The markdown section of bench/results.md for one --tenants N invocation. */
export function renderTenants(results, segmentSize) {
  const { args, machine, ticks, latency, status, code, setup } = results
  const n = args.tenants
  const lines = []
  const p = (s = '') => lines.push(s)
  p(`## Many shops: --tenants ${f(n)}`)
  p()
  p(`Latest run: ${machine.date} — \`npm run bench -- --tenants ${n}\``)
  p()
  p(
    `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM; Node ${machine.node}, wrangler ${machine.wrangler} (local workerd, local D1 and queues).`
  )
  if (code)
    p(
      `Code: commit ${code.commit}${code.uncommittedPaths ? ` plus ${code.uncommittedPaths} uncommitted path(s) of other people's work in progress (the snapshot the benchmark ran)` : ''}.`
    )
  p(
    `Shops: ${f(n)} seeded (200 customers, one dynamic segment of ${segmentSize}, one union sync on it, a done first run, cursor set) + 1 connected through the marketplace with ${latency?.syncs ?? 10} exact syncs on one segment of 1,000. A "change" tick first recalculates the segment of ${f(Math.round(n * args.changeShare))} shops (${f(args.changeShare * 100)}%: 2 join, 1 leaves each), a different set each time. The cron is fired by hand; a tick's consumers are every invocation until the module is quiet for 4 s. Setup: sandbox shops ${f(setup.sandboxShopsS, 0)} s, module seed ${f(setup.moduleSeedS, 0)} s. Module D1 files after the ticks: ${setup.d1Bytes ? `${f(setup.d1Bytes / 1048576, 1)} MiB` : '—'}.`
  )
  p()
  if (status.error) p(`**Status: stopped in phase "${status.phase}": ${status.error}**`)
  else p(`Status: completed (${status.phase}).`)
  for (const note of status.notes) p(`- ${note}`)
  p()
  p(
    '| tick | changed shops | tick wall | tick CPU | tick subreq. | tick D1 rows read / written | consumer invocations (slices / dispatches / history polls / run steps) | max subreq. per consumer | consumer CPU sum (max) | consumer D1 rows read / written | CRM calls | queue messages consumed | until quiet |'
  )
  p('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
  for (const t of ticks) {
    const b = t.byType
    p(
      `| ${t.label} (${t.kind}) | ${f(t.changed)} | ${ms(t.tick.maxWallMs)} | ${ms(t.tick.cpuMs)} | ${f(t.tick.subrequests)} | ${f(t.tick.rowsRead)} / ${f(t.tick.rowsWritten)} | ${f(t.consumers.invocations)} (${f(b['poll-tenants'].invocations)} / ${f(b['dispatch-tenants'].invocations)} / ${f(b['poll-history'].invocations)} / ${f(b['run-step'].invocations)}) | ${f(t.consumers.maxSubrequests)} | ${ms(t.consumers.cpuMs)} (${ms(t.consumers.maxCpuMs)}) | ${f(t.consumers.rowsRead)} / ${f(t.consumers.rowsWritten)} | ${f(t.consumers.fetches)} | ${f(t.consumers.messages)} | ${ms(t.windowWallMs)}${t.quiet ? '' : ' (deadline)'} |`
    )
  }
  p()
  const stale = ticks.reduce((a, t) => a + (t.staleSlices ?? 0), 0)
  p(
    stale === 0
      ? 'No slice arrived too late to be checked (pollSliceMaxAgeMs): every shop was checked in every tick.'
      : `**${stale} slices arrived after pollSliceMaxAgeMs and were dropped unchecked**: their shops are missing from those ticks' figures.`
  )
  p()
  const idle = idleShopFigures(ticks)
  if (idle) {
    p(
      `Per idle shop (the idle ticks after the first, averaged over ${f(ticks[0]?.shops)} shops; its slices and the tick, whose writes are the starts and alerts of other shops' runs when not 0): ${f(idle.crmPerMinute, 3)} CRM requests a minute → **${f(idle.crmPerDay)} CRM requests a day**; **${f(idle.rowsWrittenPerDay, 1)} D1 rows written a day**; ${f(idle.d1StatementsPerMinute, 3)} D1 statements and ${f(idle.rowsReadPerMinute, 1)} D1 rows read a minute (${f(idle.rowsReadPerDay)} a day; the tick's reads, which scan the tenants and syncs tables, are shared by all shops).`
    )
    p()
  }
  if (latency)
    p(
      `Change latency, the shop with ${latency.syncs} syncs on one segment (${latency.changed} customers change; the cron fired right after the change${latency.ticksFired > 1 ? `, and ${latency.ticksFired - 1} more time(s) a minute apart until the shop's history poll began` : ''}): ${latency.visible}/${latency.syncs} lists right, first after ${f(latency.firstS, 1)} s, **all after ${f(latency.lastS, 1)} s** from the tick. Its slice was number ${f(latency.slicePosition)} of ${f(latency.slices)} (the shop has the highest id) and the local queue runs them one at a time: its history poll started ${f(latency.historyStartS, 1)} s after the tick, and every list was right **${f(latency.afterPollS, 1)} s after that poll started**. ${latency.runs} runs (${latency.runKinds.join(', ')}), ${latency.crmCalls} CRM calls in the runs.`
    )
  p()
  const overlapped = ticks.reduce((a, t) => a + t.consumers.overlapped, 0)
  p(
    `CPU is read from /proc for the module workerd process between an invocation's start and end lines, so it includes the local D1 and queue simulators (an upper bound). Locally the consumers ran ${overlapped === 0 ? 'one at a time (no invocation overlapped another)' : `with ${overlapped} overlapping invocations (those share their CPU figures)`}; on Cloudflare they run concurrently, so "until quiet" is the local queue's serial time, not production's. Subrequests and D1 rows are counted inside the Worker (src/lib/metering.ts).`
  )
  return lines.join('\n')
}
