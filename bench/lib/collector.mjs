/**
 * Turns the module's `bench:start` / `bench:step` log lines (src/lib/metering.ts) into per-invocation
 * records with CPU time, and samples the module workerd's memory. CPU is read from /proc at each
 * line: the delta between an invocation's start and step lines is its CPU (see bench/README.md for
 * the error of this method).
 */
import { writeFileSync } from 'node:fs'
import { cpuNs, memory } from './procs.mjs'

/** Parses the JSON after `tag` in a log line, or null. */
export function parseTagged(line, tag) {
  const at = line.indexOf(tag)
  if (at < 0) return null
  try {
    return JSON.parse(line.slice(at + tag.length))
  } catch {
    return null
  }
}

export class Collector {
  /** @param {() => number | null} pidOf the module's workerd pid (null until known) */
  constructor(pidOf) {
    this.pidOf = pidOf
    this.steps = []
    this.starts = new Map()
    this.window = null
    this.timer = null
    /** Set by main once the inspector is connected (heap.mjs); optional. */
    this.heap = null
    this.heapBusy = false
    /** The simulators' isolates in the same process: name -> { reader (connectHeap), busy }. */
    this.simHeaps = {}
  }

  /** Feed one output line of the module's wrangler. */
  onLine(line) {
    const start = parseTagged(line, 'bench:start ')
    if (start) {
      this.starts.set(start.id, { cpu: this.cpu(), t: Date.now() })
      return
    }
    const step = parseTagged(line, 'bench:step ')
    if (!step) return
    const began = this.starts.get(step.id)
    this.starts.delete(step.id)
    const cpu = this.cpu()
    const rec = { ...step, at: Date.now(), cpuMs: began ? (cpu - began.cpu) / 1e6 : null }
    this.steps.push(rec)
    this.sampleMemory()
  }

  cpu() {
    const pid = this.pidOf()
    return pid ? cpuNs(pid) : 0
  }

  sampleMemory() {
    const pid = this.pidOf()
    if (!pid || !this.window) return
    const { rss } = memory(pid)
    if (rss > this.window.peakRss) this.window.peakRss = rss
  }

  /** Polls the isolate heap (at most one request in flight). */
  sampleHeap() {
    if (!this.heap || !this.window || this.heapBusy) return
    this.heapBusy = true
    const w = this.window
    this.heap
      .usage()
      .then((u) => {
        if (!u) return
        w.heapSamples++
        w.peakHeapUsed = Math.max(w.peakHeapUsed, u.usedSize)
        w.peakHeapTotal = Math.max(w.peakHeapTotal, u.totalSize)
      })
      .finally(() => {
        this.heapBusy = false
      })
    for (const [name, sim] of Object.entries(this.simHeaps)) {
      if (sim.busy) continue
      sim.busy = true
      sim.reader
        .usage()
        .then((u) => {
          if (u) w.simPeak[name] = Math.max(w.simPeak[name] ?? 0, u.totalSize)
        })
        .finally(() => {
          sim.busy = false
        })
    }
  }

  /** A step's peak (heap.mjs onPeak): the live heap where the step held the most. */
  onPeak({ label, usedSize }) {
    const w = this.window
    if (!w) return
    w.peaks++
    if (usedSize > w.peakStepLive) {
      w.peakStepLive = usedSize
      w.peakStepLabel = label
    }
    w.peakByLabel[label] = Math.max(w.peakByLabel[label] ?? 0, usedSize)
  }

  /** Forces a GC in the isolate and records the live heap (5 s into a run, then every 10 s). */
  sampleLive() {
    if (!this.heap || !this.window || this.heapBusy) return
    this.heapBusy = true
    const w = this.window
    this.heap
      .liveUsage()
      .then((u) => {
        if (!u) return
        w.liveSamples++
        w.peakHeapLive = Math.max(w.peakHeapLive, u.usedSize)
      })
      .finally(() => {
        this.heapBusy = false
      })
  }

  /** Starts a measured window: resets the kernel's peak-RSS mark and samples memory every 200 ms. */
  begin(label) {
    const pid = this.pidOf()
    if (pid) {
      try {
        // "5" resets VmHWM (peak RSS) of our own child process; ignored where not permitted.
        writeFileSync(`/proc/${pid}/clear_refs`, '5')
      } catch {}
    }
    this.window = {
      label,
      from: this.steps.length,
      t0: Date.now(),
      cpu0: this.cpu(),
      peakRss: pid ? memory(pid).rss : 0,
      peakHeapUsed: 0,
      peakHeapTotal: 0,
      peakHeapLive: 0,
      heapSamples: 0,
      liveSamples: 0,
      peaks: 0,
      peakStepLive: 0,
      peakStepLabel: null,
      peakByLabel: {},
      simPeak: {},
    }
    let tick = 0
    // BENCH_LIVE_EVERY_TICKS: force a GC and read the live heap every this many 200 ms ticks
    // (default 50: every 10 s). Smaller catches short mid-step peaks, at the cost of more GCs.
    const liveEvery = Math.max(5, Number(process.env.BENCH_LIVE_EVERY_TICKS) || 50)
    this.timer = setInterval(() => {
      this.sampleMemory()
      if (tick % liveEvery === Math.floor(liveEvery / 2)) this.sampleLive()
      else if (tick % 3 === 0) this.sampleHeap()
      tick++
    }, 200)
  }

  /** Ends the window: its invocations, process CPU, peak RSS (sampled and kernel VmHWM). */
  end() {
    clearInterval(this.timer)
    const w = this.window
    this.window = null
    const pid = this.pidOf()
    const mem = pid ? memory(pid) : { rss: 0, hwm: 0 }
    return {
      label: w.label,
      wallMs: Date.now() - w.t0,
      processCpuMs: (this.cpu() - w.cpu0) / 1e6,
      steps: this.steps.slice(w.from),
      peakRssSampled: Math.max(w.peakRss, mem.rss),
      peakRssKernel: mem.hwm,
      peakHeapUsed: this.heap ? w.peakHeapUsed : null,
      peakHeapTotal: this.heap ? w.peakHeapTotal : null,
      peakHeapLive: this.heap && w.peakHeapLive ? w.peakHeapLive : null,
      heapSamples: w.heapSamples,
      liveSamples: w.liveSamples,
      peaks: w.peaks,
      peakStepLive: w.peaks > 0 ? w.peakStepLive : null,
      peakStepLabel: w.peakStepLabel,
      peakByLabel: w.peakByLabel,
      simPeak: w.simPeak,
    }
  }
}
