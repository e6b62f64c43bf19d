/**
 * Prints the table and targets, rewrites bench/results.md with the latest results, keeps the
 * latest summary per N in bench/results.json (the 1,000,000 run compares its memory with the
 * 50,000 one from there), and leaves the raw per-invocation lines and logs in bench/out/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fieldsTargets } from './fields.mjs'
import { fmt, liveHeap, mib, table, targets } from './report.mjs'

function loadJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return { byN: {} }
  }
}

const BOUND_TEXT = `Rate-limit bound = ceil(read/100)/10 s for reading the CRM (10 requests/s, 100 customers per
page) + (ceil(added/500) + ceil(removed/500))/20 s for writing to Unisender (1,200 calls/min, 500 rows
per importContacts); the export (20/min) is one call and adds nothing. Reading and writing are added
because removals need the complete read first. Minimum API calls of a full run: CRM ceil(read/100)
pages; Unisender 1 export + 1 getTaskResult + the imports above + getUserInfo when adding (plan check)
+ getLists and createList when the sync creates its list. The change-triggered row is measured from
the change in the CRM (cron fired at once, then every 60 s) until the sync is idle and the list is
right, over every run the change caused; its minimum is what applying the known change needs: CRM
ceil(changes/100) requests to re-read the changed customers, Unisender the imports of the joining and
leaving emails + getUserInfo (no export), and its bound reads and writes just those. The cron's
history polls are not in the runs' counters (the CRM emulator's own count, in the details, has them).
Export file downloads are not API calls (listed apart).`

const MEMORY_TEXT = `Memory: "peak RSS" is the module's workerd process, which holds the module isolate and workerd's
runtime and also, in the same process, the local D1 (miniflare's SQLite databases, their page cache and
memory-mapped files) and the local queue simulator; in production D1 and Queues run elsewhere. "module D1
files" is the size on disk of the module's local D1 databases at the end of each run (how much of them is
resident is not measured). The Worker's own memory is the isolate's JS heap (inspector), in the details:
live = after a forced GC, at every step's fullest point (the module's memoryPeak probe) and every 10 s;
the probes' GCs count in the invocations' CPU. The memory targets compare the first syncs (full runs).`

/** The command line that reproduces an invocation (flags that differ from the defaults). */
export function commandOf(a) {
  const f = []
  if (a.n !== 50_000) f.push(`--n ${a.n}`)
  if (a.rateScale !== 1.2) f.push(`--rate-scale ${a.rateScale}`)
  if (a.skipSecond) f.push('--skip-second')
  else if (a.reconcile !== a.n <= 100_000) f.push(a.reconcile ? '--reconcile' : '--no-reconcile')
  if (a.skipLatency) f.push('--skip-latency')
  if (a.fields) f.push('--fields')
  return `npm run bench${f.length ? ` -- ${f.join(' ')}` : ''}`
}

/**
 * The live heap at the steps' fullest points of a stored first run: stored apart since this field
 * existed; before, `peakStepLive` held the larger of it and the periodic samples, so it is the probe
 * figure only where it exceeds those samples.
 */
function probeOf(b) {
  if (b.peakStepProbe != null) return b.peakStepProbe
  return b.peakStepLive != null && b.peakStepLive > (b.peakHeapLive ?? 0) ? b.peakStepLive : null
}

/**
 * Rewrites bench/results.md from results.json: the single-shop sections (byN), then the many-shops
 * sections (byTenants, written by tenants.mjs), each the latest invocation of its N.
 */
export function writeResultsMd(root, store) {
  const sectionsOf = (by) =>
    Object.entries(by ?? {})
      .filter(([, v]) => v.markdown)
      .sort(([a], [b]) => Number.parseFloat(a) - Number.parseFloat(b) || a.localeCompare(b))
      .map(([, v]) => v.markdown)
  const md = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (one section per N, the latest invocation of each). Method and its error: [README.md](README.md).',
    '',
    ...sectionsOf(store.byN).flatMap((x) => [x, '']),
    ...sectionsOf(store.byTenants).flatMap((x) => [x, '']),
  ].join('\n')
  writeFileSync(join(root, 'bench', 'results.md'), md)
}

export function writeResults(root, results, stamp) {
  const outDir = join(root, 'bench', 'out')
  mkdirSync(outDir, { recursive: true })
  writeFileSync(
    join(outDir, `steps-${stamp}.jsonl`),
    results.runs
      .flatMap((r) => r.steps.map((s) => JSON.stringify({ run: r.label, ...s })))
      .join('\n')
  )
  const jsonPath = join(root, 'bench', 'results.json')
  const store = loadJson(jsonPath)
  const byKey = (k) => results.runs.find((r) => r.key === k) ?? null
  const full = byKey('full')
  const second = byKey('change')
  const reconcile = byKey('reconcile')
  const n = results.args.n
  const base = n >= 1_000_000 ? store.byN?.['50000'] : null
  const baseFields = n >= 1_000_000 ? store.byN?.['50000-fields'] : null
  // --fields (issue 15) is its own section with its own figures (fields.mjs).
  const verdicts = results.args.fields
    ? fieldsTargets(results.runs, n, baseFields ? probeOf(baseFields) : null)
    : targets({
        full,
        second,
        reconcile,
        n,
        baselineRss: base?.peakRss ?? null,
        baselineHeap: base ? (base.peakStepLive ?? base.peakHeapLive ?? null) : null,
      })
  const lines = []
  const p = (s = '') => lines.push(s)
  p(
    `## N = ${n.toLocaleString('en-US')}${results.args.fields ? ', two mapped contact fields' : ''}`
  )
  p()
  p(`Latest run: ${results.machine.date} — \`${commandOf(results.args)}\``)
  p()
  p(
    `Machine: ${results.machine.nproc} CPUs (${results.machine.cpuModel}), ${results.machine.memoryGiB} GiB RAM; Node ${results.machine.node}, wrangler ${results.machine.wrangler} (local workerd, local D1 and queues).`
  )
  if (results.code)
    p(
      `Code: commit ${results.code.commit}${results.code.uncommittedPaths ? ` plus ${results.code.uncommittedPaths} uncommitted path(s) of work in progress (the snapshot the benchmark ran)` : ''}.`
    )
  p(
    `Emulators' rate limits × ${results.args.rateScale} (CRM ${Math.round(10 * results.args.rateScale)} requests/s, Unisender ${Math.round(1200 * results.args.rateScale)} calls/min); the module paces itself at the production limits (10/s, 1,200/min), and the bound below uses those. Why a factor above 1: see README.md ("Rate-limit scale").`
  )
  p()
  if (results.status.error)
    p(
      `**Status: the benchmark stopped in phase "${results.status.phase}": ${results.status.error}**`
    )
  else p(`Status: completed (${results.status.phase}).`)
  for (const note of results.status.notes) p(`- ${note}`)
  p()
  if (results.runs.length > 0) {
    p(table(results.runs))
    p()
    p('Targets:')
    p()
    for (const v of verdicts) p(`- **${v.verdict}** ${v.name} — ${v.detail}`)
    p()
  } else p('No run was measured.')
  if (results.latency) {
    p('Change latency (issue 7), cron fired at every wall-clock minute as in production:')
    p()
    p('| change | total (incl. tick wait) | tick wait | after the tick | target |')
    p('|---|---|---|---|---|')
    for (const l of results.latency) {
      if (l.error) p(`| ${l.label ?? ''} | ${l.error} | | | |`)
      else {
        const ok = l.totalS <= 120 && (l.afterTickS ?? Infinity) <= 10
        p(
          `| ${l.label} | ${fmt(l.totalS, 1)} s | ${fmt(l.tickWaitS, 1)} s${l.watchMinute ? ` (the first tick was the shop's segment-watch minute, which reads the counts instead of the history: ${fmt(l.afterFirstTickS, 1)} s after it)` : ''} | ${fmt(l.afterTickS, 1)} s | ${ok ? 'PASS' : 'FAIL'} (< 120 s total, < 10 s after the tick) |`
        )
      }
    }
    p()
  }
  p(BOUND_TEXT)
  p()
  p(MEMORY_TEXT)
  p()
  for (const r of results.runs) {
    p(`### ${r.label}, N = ${n.toLocaleString('en-US')}`)
    p()
    if (r.stalled)
      p(
        '- **stalled**: the run(s) below changed nothing in D1 for 6 minutes; the benchmark stopped waiting'
      )
    else if (r.timedOut) p('- **timed out**: the run(s) below had not finished by the deadline')
    for (const run of r.runs)
      p(
        `- run ${run.id}: ${run.status}, ${run.kind}, trigger ${run.trigger}${run.error ? `, error ${run.error}` : ''}; counts ${JSON.stringify(run.counts)}; API calls ${JSON.stringify(run.apiCalls)}`
      )
    if (r.key === 'change')
      p(
        `- the change: ${fmt(r.leaving)} members left and ${fmt(r.joining)} joined the segment; the list was ${r.listRight ? 'right' : '**not right**'} (every joining email an active member, no leaving one) when the measurement ended`
      )
    p(`- the sandbox list «Бенчмарк» holds ${fmt(r.listActiveAfter)} active members afterwards`)
    p(
      `- Unisender emulator counted ${fmt(r.emulatorCalls.unisender)} calls: ${JSON.stringify(r.emulatorCalls.unisenderByMethod)}`
    )
    if (r.emulatorCalls.crmByMethod)
      p(
        `- CRM emulator counted (all requests, the cron's history polls included): ${JSON.stringify(r.emulatorCalls.crmByMethod)}`
      )
    p(
      `- invocations: ${r.sum.invocations} (${r.sum.queueInvocations} queue, ${r.sum.cronInvocations} cron), ${r.sum.overlapped} overlapped, ${r.sum.failed} threw`
    )
    p(
      `- CPU: module workerd process ${fmt(r.processCpuMs)} ms over the run (${fmt(r.cpuPer1kMs, 1)} ms per 1,000 emails, in the table); inside metered invocations ${fmt(r.sum.cpuMsSum)} ms (${fmt(r.invocationCpuPer1kMs, 1)} ms per 1,000 emails)`
    )
    p(
      `- max per invocation: ${fmt(r.sum.cpuMsMax)} ms CPU, ${r.sum.subrequestsMax} subrequests (${r.sum.fetchesMax} fetches, ${r.sum.d1StatementsMax} D1 statements)`
    )
    if (r.loadAvg)
      p(
        `- machine load average at the end of the run (1/5/15 min): ${r.loadAvg.join(' / ')} on ${results.machine.nproc} CPUs (other work shared the machine; wall times are inflated by it, CPU times are per process)`
      )
    p(
      `- peak RSS of the module's workerd process (isolate + runtime + local D1 + queue simulator): ${mib(r.peakRss)} sampled every 200 ms; kernel VmHWM ${mib(r.peakRssKernel)}; module D1 files ${mib(r.d1Bytes)} at the end of the run`
    )
    p(
      r.peakHeapUsed
        ? `- peak JS heap of the module isolate (inspector, ${fmt(r.heapSamples)} samples every 600 ms, no forced GC): ${mib(r.peakHeapUsed)} used, ${mib(r.peakHeapTotal)} allocated; live heap after a forced GC every ${fmt((Math.max(5, Number(process.env.BENCH_LIVE_EVERY_TICKS) || 50) * 200) / 1000, 0)} s (${fmt(r.liveSamples)} samples): ${r.peakHeapLive ? `peak ${mib(r.peakHeapLive)}` : 'not sampled (run shorter than 5 s)'}`
        : '- JS heap of the module isolate: not measured'
    )
    p(
      r.peaks
        ? `- live heap of the module isolate at the steps' fullest points (a forced GC there, then read while paused; ${fmt(r.peaks)} steps): max ${mib(r.peakStepLive)} (${r.peakStepLabel}); by phase: ${Object.entries(
            r.peakByLabel ?? {}
          )
            .map(([k, v]) => `${k} ${mib(v)}`)
            .join(', ')}`
        : "- live heap at the steps' fullest points: not measured (no step-peak probe answered)"
    )
    if (r.simPeak && Object.keys(r.simPeak).length > 0)
      p(
        `- heap of the simulators' isolates in the same process (inspector, no forced GC, peak allocated): ${Object.entries(
          r.simPeak
        )
          .map(([k, v]) => `${k} ${mib(v)}`)
          .join(', ')}`
      )
    p(
      `- wall ${fmt(r.wallS, 1)} s; bound ${fmt(r.bound.totalS, 1)} s (read ${fmt(r.bound.readS, 1)} s, write ${fmt(r.bound.writeS, 1)} s)`
    )
    p()
  }
  const section = lines.join('\n')
  store.byN ??= {}
  // The --fields scenario keeps its own section beside the plain one of the same N.
  const key = results.args.fields ? `${n}-fields` : String(n)
  const prior = store.byN[key] ?? {}
  store.byN[key] = { ...prior, markdown: section, lastAttempt: results.machine.date }
  if (full && !full.timedOut && !results.status.error) {
    store.byN[key] = {
      markdown: section,
      lastAttempt: results.machine.date,
      date: results.machine.date,
      wallS: full.wallS,
      peakRss: full.peakRss,
      peakHeapUsed: full.peakHeapUsed ?? null,
      peakHeapLive: full.peakHeapLive ?? null,
      peakStepLive: liveHeap(full),
      // The fullest-point probes alone: sampled at the same points whatever the run's length.
      peakStepProbe: full.peakStepLive ?? null,
      d1Bytes: full.d1Bytes ?? null,
      cpuPer1kMs: full.cpuPer1kMs,
      rowsWritten: full.sum.rowsWritten,
      calls: full.calls,
    }
  }
  if (results.args.scratch) {
    console.log(`\n${section}\n\n(--scratch: bench/results.md and results.json left unchanged)`)
    return
  }
  writeFileSync(jsonPath, `${JSON.stringify(store, null, 2)}\n`)
  writeResultsMd(root, store)
  console.log(`\n${section}`)
  if (!existsSync(join(root, 'bench', 'README.md'))) console.log('(bench/README.md missing)')
}
