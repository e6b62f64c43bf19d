/**
 * Pure arithmetic of the benchmark: the rate-limit bound, the minimum API calls, the per-run
 * summary of metered invocations, the targets of issues 6 and 7, and the text table.
 */

/** Production limits of the two services (docs/retailcrm.md §4, docs/unisender.md §0). */
export const LIMITS = { crmPerSecond: 10, crmPageSize: 100, uniPerMinute: 1200, uniImportRows: 500 }

/**
 * Lower bound of a run's wall time from the rate limits alone, in seconds, with the emulators'
 * limits scaled by `scale`: reading ceil(read/100) CRM pages at 10 req/s, then writing
 * ceil(adds/500)+ceil(removes/500) imports at 1,200 calls/min (20/s). The export (20/min) is one
 * call and adds nothing. Reading and writing are added: removals need the complete read first.
 */
export function rateBound({ read, adds, removes }, scale = 1) {
  const pages = Math.ceil(read / LIMITS.crmPageSize)
  const imports = Math.ceil(adds / LIMITS.uniImportRows) + Math.ceil(removes / LIMITS.uniImportRows)
  const readS = pages / (LIMITS.crmPerSecond * scale)
  const writeS = imports / ((LIMITS.uniPerMinute / 60) * scale)
  return { pages, imports, readS, writeS, totalS: readS + writeS }
}

/**
 * The fewest API calls a full run can make. CRM: ceil(read/100) pages. Unisender: 1 export, 1
 * getTaskResult (the export is asynchronous: at least one poll), the imports, getUserInfo when
 * anything is added (the plan check the issue requires), and getLists + createList when the sync
 * creates its list ("found by exact title or created, once"). Downloads of the export file are not
 * API calls. `incremental`: the run after a change, whose Unisender minimum is the imports plus
 * the plan check (the issue's target for it allows ceil(changes/500) + 2).
 */
export function minimumCalls({ read, adds, removes, newList = false, incremental = false }) {
  const b = rateBound({ read, adds, removes })
  // Applying known changes needs no export: only the imports and the plan check.
  const fixed = incremental ? 0 : 2 + (newList ? 2 : 0)
  return { crm: b.pages, unisender: fixed + b.imports + (adds > 0 ? 1 : 0) }
}

/** Sums the metered invocations of one run window. */
export function summarize(steps) {
  const sum = (k) => steps.reduce((a, s) => a + (Number(s[k]) || 0), 0)
  const max = (k) => steps.reduce((a, s) => Math.max(a, Number(s[k]) || 0), 0)
  const measuredCpu = steps.filter((s) => typeof s.cpuMs === 'number')
  return {
    invocations: steps.length,
    queueInvocations: steps.filter((s) => s.kind === 'queue').length,
    cronInvocations: steps.filter((s) => s.kind === 'scheduled').length,
    overlapped: steps.filter((s) => s.overlapped).length,
    failed: steps.filter((s) => s.failed).length,
    cpuMsSum: measuredCpu.reduce((a, s) => a + s.cpuMs, 0),
    cpuMsMax: measuredCpu.reduce((a, s) => Math.max(a, s.cpuMs), 0),
    subrequestsMax: max('subrequests'),
    fetchesMax: max('fetches'),
    d1StatementsMax: max('d1Statements'),
    rowsRead: sum('rowsRead'),
    rowsWritten: sum('rowsWritten'),
    fetches: sum('fetches'),
  }
}

const fmt = (n, d = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? 'n/a'
    : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const mib = (b) => (b ? `${fmt(b / 2 ** 20, 1)} MiB` : 'n/a')

/** One markdown table row per measured run. */
export function table(rows) {
  const head = [
    'N',
    'run',
    'mode',
    'wall',
    'bound',
    'wall/bound',
    'CPU/1k emails',
    'max CPU/inv.',
    'max subreq/inv.',
    'peak RSS',
    'module D1 files',
    'CRM calls (min)',
    'Unisender calls (min)',
    'D1 rows read',
    'D1 rows written',
  ]
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
  for (const r of rows) {
    lines.push(
      `| ${[
        fmt(r.n),
        `${r.label}${r.stalled ? ' (stalled)' : r.timedOut ? ' (timed out)' : ''}`,
        r.mode,
        `${fmt(r.wallS, 1)} s`,
        `${fmt(r.bound.totalS, 1)} s`,
        fmt(r.wallS / r.bound.totalS, 2),
        `${fmt(r.cpuPer1kMs, 1)} ms`,
        `${fmt(r.sum.cpuMsMax, 0)} ms`,
        fmt(r.sum.subrequestsMax),
        mib(r.peakRss),
        mib(r.d1Bytes),
        `${fmt(r.calls.crm)} (${fmt(r.min.crm)})`,
        `${fmt(r.calls.unisender)} (${fmt(r.min.unisender)})`,
        fmt(r.sum.rowsRead),
        fmt(r.sum.rowsWritten),
      ].join(' | ')} |`
    )
  }
  return lines.join('\n')
}

/**
 * The isolate's peak live heap of a run: the larger of the step-peak probes (a forced GC at each
 * step's fullest point, src/lib/metering.ts) and the periodic forced-GC samples; null if neither.
 */
export function liveHeap(r) {
  const v = Math.max(r?.peakStepLive ?? 0, r?.peakHeapLive ?? 0)
  return v > 0 ? v : null
}

/**
 * PASS/FAIL of each target; a target that could not be measured is 'n/a', never PASS; 'info'
 * marks a figure reported beside the targets. `second` is
 * the change-triggered row (the issue's "second run after 1% changed" as production meets it),
 * `reconcile` the forced full run after it (optional). Memory compares the full runs' isolate live heap
 * (liveHeap) like with like; the workerd process's RSS is reported as 'info'.
 */
export function targets({ full, second, reconcile = null, n, baselineRss, baselineHeap = null }) {
  const t = []
  const add = (name, ok, detail) =>
    t.push({ name, verdict: ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL', detail })
  const runs = [full, second, reconcile].filter(Boolean)
  const maxSub = Math.max(...runs.map((r) => r.sum.subrequestsMax))
  add('every invocation ≤ 100 subrequests', runs.length ? maxSub <= 100 : null, `max ${maxSub}`)
  const maxCpu = Math.max(...runs.map((r) => r.sum.cpuMsMax))
  add(
    'every invocation about 1 s CPU (≤ 1,000 ms measured)',
    runs.length ? maxCpu <= 1000 : null,
    `max ${fmt(maxCpu)} ms`
  )
  const callsWithin = (row, what) => {
    for (const svc of ['crm', 'unisender']) {
      const ratio = row.calls[svc] / row.min[svc]
      add(
        `${what} ${svc} calls ≤ 1.05 × minimum`,
        Number.isFinite(ratio) ? ratio <= 1.05 : null,
        `${fmt(row.calls[svc])} / ${fmt(row.min[svc])} = ${fmt(ratio, 3)}`
      )
    }
  }
  if (full) {
    callsWithin(full, 'full run')
    if (n >= 1_000_000)
      add(
        'D1 rows written by the full run ≤ 50,000',
        full.sum.rowsWritten <= 50_000,
        fmt(full.sum.rowsWritten)
      )
    else add('D1 rows written by a full 1,000,000 run ≤ 50,000', null, 'run with --n 1000000')
    // Reported, not judged: the local process is not the Worker (README.md, "Memory").
    t.push({
      name: 'peak RSS of the local workerd process at 1,000,000 vs 50,000 (not the Worker: it also runs the local D1 and queue simulators)',
      verdict: 'info',
      detail:
        n >= 1_000_000 && baselineRss
          ? `${mib(full.peakRss)} vs ${mib(baselineRss)} (× ${fmt(full.peakRss / baselineRss, 2)}; the simulators' heaps and the local D1 files are in the run details)`
          : 'needs both runs (results.json)',
    })
    const live = liveHeap(full)
    if (n >= 1_000_000 && baselineHeap && live)
      add(
        'memory of the Worker (isolate live heap) at 1,000,000 ≤ 1.2 × at 50,000',
        live <= 1.2 * baselineHeap,
        `live heap at the steps' fullest points ${mib(live)} vs ${mib(baselineHeap)} (× ${fmt(live / baselineHeap, 2)})`
      )
    else
      add(
        'memory of the Worker (isolate live heap) at 1,000,000 ≤ 1.2 × at 50,000',
        null,
        n >= 1_000_000
          ? `needs the live heap of both full runs (here ${mib(live)}, at 50,000 ${mib(baselineHeap)})`
          : 'run with --n 1000000 (compares with this run)'
      )
  }
  if (second) {
    const limit = Math.ceil(second.changes / 500) + 2
    add(
      'second run Unisender calls ≤ ceil(changes/500) + 2',
      second.calls.unisender <= limit,
      `${fmt(second.calls.unisender)} ≤ ${limit} (changes ${fmt(second.changes)}; the change-triggered run(s): ${second.kinds ?? 'n/a'})`
    )
  }
  if (reconcile) callsWithin(reconcile, 'reconcile (full run after the change)')
  return t
}

export { fmt, mib }
