/**
 * Orchestrates one benchmark invocation: fresh local state, both Workers under wrangler dev, the
 * full run, the run(s) a 1% change causes, a forced full run after it (the reconcile), the change
 * latency, the table and bench/results.md.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { changeTriggeredRun } from './change.mjs'
import { Collector } from './collector.mjs'
import { localD1 } from './dbs.mjs'
import { FIELD_ROWS, runFieldsScenario } from './fields.mjs'
import { connectHeap } from './heap.mjs'
import { measureLatency } from './latency.mjs'
import { machineInfo } from './machine.mjs'
import {
  descendants,
  startModuleWorker,
  startSandboxWorker,
  stopProcess,
  wranglerSync,
} from './procs.mjs'
import { writeResults } from './results.mjs'
import { measuredRun } from './runs.mjs'
import * as sc from './scenario.mjs'
import { snapshotCode } from './snapshot.mjs'

const root = process.cwd()

/** Finds the workerd process that runs the module (the one with an inspector, not the proxy). */
function moduleWorkerd(wranglerPid) {
  const pids = descendants(wranglerPid, 'workerd')
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--inspector-addr')) return pid
    } catch {}
  }
  return pids.at(-1) ?? null
}

export async function runBenchmark(args) {
  if (args.tenants > 0) {
    const { runTenantsBenchmark } = await import('./tenants.mjs')
    return runTenantsBenchmark(args)
  }
  const machine = machineInfo(root)
  const appUrl = `http://localhost:${args.appPort}`
  const sandboxUrl = `http://localhost:${args.sandboxPort}`
  const state = join(root, '.wrangler', args.appPort === 8797 ? 'bench' : `bench-${args.appPort}`)
  const appState = join(state, 'app')
  const sandboxState = join(state, 'sandbox')
  const logDir = join(root, 'bench', 'out')
  mkdirSync(logDir, { recursive: true })
  if (!args.keepState) rmSync(state, { recursive: true, force: true })
  const deadline = Date.now() + args.timeoutMin * 60_000
  const status = { phase: 'start', notes: [] }
  const results = { machine, args, runs: [], latency: null, status }
  const children = []
  let appPid = null
  const collector = new Collector(() => appPid)
  const stamp = machine.date.replace(/[:.]/g, '-')
  const logs = {
    app: createWriteStream(join(logDir, `app-${stamp}.log`)),
    sandbox: createWriteStream(join(logDir, `sandbox-${stamp}.log`)),
  }
  const keep = (name) => (line) => {
    logs[name].write(`${line}\n`)
    if (name === 'app') collector.onLine(line)
    if (args.verbose) console.log(`[${name}] ${line}`)
  }
  const stopAll = async () => {
    collector.heap?.close()
    for (const sim of Object.values(collector.simHeaps)) sim.reader.close()
    for (const c of children.reverse()) await stopProcess(c)
  }
  const onSignal = async () => {
    console.error('bench: interrupted, stopping the Workers')
    await stopAll()
    status.error = `interrupted in phase "${status.phase}"`
    writeResults(root, results, stamp)
    process.exit(130)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  console.log(
    `bench: N = ${args.n.toLocaleString('en-US')}, emulators' rate limits × ${args.rateScale}`
  )
  try {
    status.phase = 'snapshot'
    const code = join(state, 'code')
    results.code = snapshotCode(root, code)
    status.phase = 'migrations'
    wranglerSync(code, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', appState])
    const secret = sc.PARTNER_SECRET
    status.phase = 'start sandbox'
    children.push(
      await startSandboxWorker(code, {
        port: args.sandboxPort,
        state: sandboxState,
        appUrl,
        secret: secret,
        rateScale: args.rateScale,
        onLine: keep('sandbox'),
      })
    )
    status.phase = 'start module'
    const app = await startModuleWorker(code, {
      port: args.appPort,
      state: appState,
      sandboxUrl,
      encryptionKey: randomBytes(32).toString('base64'),
      secret,
      onLine: keep('app'),
      // gc() for the module's step-peak probes (src/lib/metering.ts memoryPeak); V8 flags are
      // process-wide, and only the module calls gc().
      env: { MINIFLARE_WORKERD_V8_FLAGS: '--expose-gc' },
    })
    children.push(app)
    appPid = moduleWorkerd(app.pid)
    if (!appPid) status.notes.push('module workerd process not found: CPU and memory not measured')
    else {
      collector.heap = await connectHeap(appPid, { onPeak: (p) => collector.onPeak(p) }).catch(
        () => null
      )
      if (!collector.heap)
        status.notes.push('inspector of the module isolate not found: heap not measured')
      // The simulators' isolates share the process (and its RSS) with the module.
      for (const target of ['d1:db', 'queues:queue']) {
        const reader = await connectHeap(appPid, { target }).catch(() => null)
        if (reader) collector.simHeaps[target] = { reader, busy: false }
      }
    }
    const ctx = {
      appUrl,
      sandboxUrl,
      appState,
      appDb: localD1(appState, 'runs'),
      sandboxDb: localD1(sandboxState, 'uni_members'),
      collector,
      args,
      deadline,
    }

    status.phase = 'setup: shop, Unisender account, connection, account form'
    const shop = await sc.createShop(ctx, args.n)
    await sc.createUnisenderAccount(ctx, args.n)
    const browser = await sc.connect(ctx, shop)
    // Production's cron polls a tenant within a minute of connecting, long before a shop owner has
    // set up a sync: its history cursor then exists when the sync's first run starts, and later
    // changes reach the sync through the history. One tick here does the same.
    await sc.fireCron(ctx)
    const accountId = await sc.addAccount(ctx, browser)
    const seg = await sc.segmentInfo(shop)
    ctx.shop = shop
    ctx.segment = seg
    console.log(`bench: shop ${shop.code}: segment ${seg.id} with ${seg.customersCount} members`)

    status.phase = 'full run'
    const full = await measuredRun(
      ctx,
      'full',
      'first sync',
      async () => {
        ctx.syncId = await sc.createSync(ctx, browser, {
          accountId,
          segmentId: seg.id,
          mode: 'exact',
          fields: args.fields ? FIELD_ROWS : [],
        })
      },
      { newList: true }
    )
    results.runs.push(full)

    if (args.fields && !full.timedOut) {
      status.phase = 'contact fields: unchanged run, 1% names changed'
      await runFieldsScenario(ctx, browser, results)
    } else if (!args.skipSecond && !full.timedOut) {
      status.phase = 'change-triggered run(s) (1% changed)'
      const k = Math.max(1, Math.round(args.n / 200))
      const change = await changeTriggeredRun(ctx, k)
      results.runs.push(change)
      if (args.reconcile && !change.timedOut) {
        status.phase = 'reconcile after the change (forced full run)'
        results.runs.push(
          await measuredRun(ctx, 'reconcile', 'reconcile after the change', () =>
            sc.runNow(ctx, browser)
          )
        )
      }
    }
    if (!args.skipLatency && !args.fields) {
      status.phase = 'latency'
      results.latency = await measureLatency(ctx)
    }
    status.phase = 'done'
  } catch (err) {
    status.error = err instanceof Error ? err.message : String(err)
    console.error(`bench: stopped in phase "${status.phase}": ${status.error}`)
  } finally {
    await stopAll()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  for (const stream of Object.values(logs)) stream.end()
  writeResults(root, results, stamp)
  if (status.error) process.exitCode = 1
}
