/**
 * The module isolate's JavaScript heap, read through workerd's own inspector (Runtime.getHeapUsage
 * on the `core:user:<worker>` target): unlike the process RSS it excludes the local D1, queue and
 * cache simulators that share the process, so it is the figure to hold against the 128 MB isolate
 * limit. Never forces a GC: `usedSize` includes garbage not yet collected (an upper bound).
 *
 * Standalone: `node bench/lib/heap.mjs <workerd pid> <seconds> [gc seconds]` prints the running
 * peak every 30 s (and, with a GC interval, the peak live heap after forced GCs).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'

const TARGET = 'core:user:unisender-segment-export'

/** TCP ports `pid` listens on (IPv4), from /proc/<pid>/fd and /proc/net/tcp. */
function listeningPorts(pid) {
  const inodes = new Set()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1])
    } catch {}
  }
  const ports = []
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f[3] === '0A' && inodes.has(f[9])) ports.push(Number.parseInt(f[1].split(':')[1], 16))
  }
  return ports
}

/**
 * One inspector session on the module isolate of workerd `pid`; null when not found. With `onPeak`,
 * the debugger is on: the module's memoryPeak() (src/lib/metering.ts) runs a full GC and pauses,
 * and this session reads the heap there (the live heap at the step's fullest point, its label from
 * the paused frame), calls `onPeak({ label, usedSize })` and resumes.
 */
async function openSession(pid, onPeak = null, target = TARGET) {
  for (const port of listeningPorts(pid)) {
    let list
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json`, {
        signal: AbortSignal.timeout(2000),
      })
      list = await res.json()
    } catch {
      continue
    }
    const t = Array.isArray(list) ? list.find((x) => x.id === target) : null
    if (!t) continue
    const ws = new WebSocket(t.webSocketDebuggerUrl)
    await new Promise((resolve, reject) => {
      ws.onopen = resolve
      ws.onerror = () => reject(new Error('inspector websocket failed'))
    })
    let id = 0
    const pending = new Map()
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data))
      if (m.id && pending.has(m.id)) {
        pending.get(m.id)(m.result)
        pending.delete(m.id)
      } else if (m.method === 'Debugger.paused' && onPeak) {
        readPeak(m.params).catch(() => call('Debugger.resume'))
      }
    }
    const call = (method, params) =>
      new Promise((resolve) => {
        const i = ++id
        pending.set(i, resolve)
        ws.send(JSON.stringify({ id: i, method, params }))
        setTimeout(() => {
          if (pending.delete(i)) resolve(null)
        }, 2000)
      })
    const readPeak = async (paused) => {
      // No GC here: workerd does not answer HeapProfiler.collectGarbage while paused; the module
      // collected just before pausing, so usedSize is the live heap.
      const u = await call('Runtime.getHeapUsage')
      const frame = paused.callFrames?.[0]
      const label = frame
        ? await call('Debugger.evaluateOnCallFrame', {
            callFrameId: frame.callFrameId,
            expression: 'label',
            returnByValue: true,
          })
        : null
      await call('Debugger.resume')
      if (u) onPeak({ label: label?.result?.value ?? null, usedSize: u.usedSize })
    }
    // workerd answers Runtime.getHeapUsage only on an enabled session.
    await call('Runtime.enable')
    if (onPeak) await call('Debugger.enable')
    return {
      /** { usedSize, totalSize } in bytes, or null. */
      usage: () => call('Runtime.getHeapUsage'),
      /** Forces a full GC first, so usedSize is the live heap (costs the isolate a GC). */
      liveUsage: async () => {
        await call('HeapProfiler.collectGarbage')
        return call('Runtime.getHeapUsage')
      },
      close: () => ws.close(),
    }
  }
  return null
}

/**
 * A heap reader for workerd `pid` (and, with `onPeak`, the step peaks: openSession) that survives the isolate being replaced (wrangler dev reloads
 * the Worker after start): a call that gets no answer drops the session, the next one reconnects.
 * Null when the process has no such inspector target (`target`: the module's by default; the
 * simulators' isolates in the same process are e.g. `d1:db` and `queues:queue`).
 */
export async function connectHeap(pid, { onPeak = null, target = TARGET } = {}) {
  let session = await openSession(pid, onPeak, target)
  if (!session) return null
  const ask = async (what) => {
    session ??= await openSession(pid, onPeak, target).catch(() => null)
    const u = session ? await session[what]() : null
    if (!u && session) {
      session.close()
      session = null
    }
    return u
  }
  return {
    usage: () => ask('usage'),
    liveUsage: () => ask('liveUsage'),
    close: () => session?.close(),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [pid, seconds] = process.argv.slice(2).map(Number)
  const heap = await connectHeap(pid)
  if (!heap) throw new Error(`no inspector target ${TARGET} in workerd ${pid}`)
  let peakUsed = 0
  let peakTotal = 0
  let peakLive = 0
  let lastGc = Date.now()
  const gcEveryMs = Number(process.argv[4] ?? 0) * 1000
  const end = Date.now() + seconds * 1000
  let printed = Date.now()
  const report = () =>
    console.log(
      JSON.stringify({ pid, peakUsed, peakTotal, peakLive, at: new Date().toISOString() })
    )
  while (Date.now() < end) {
    const u = await heap.usage()
    if (!u && !existsSync(`/proc/${pid}`)) break // the process is gone
    if (!u) continue
    peakUsed = Math.max(peakUsed, u.usedSize)
    peakTotal = Math.max(peakTotal, u.totalSize)
    if (gcEveryMs && Date.now() - lastGc > gcEveryMs) {
      lastGc = Date.now()
      const live = await heap.liveUsage()
      if (live) peakLive = Math.max(peakLive, live.usedSize)
    }
    if (Date.now() - printed > 30_000) {
      printed = Date.now()
      report()
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  heap.close()
  report()
}
