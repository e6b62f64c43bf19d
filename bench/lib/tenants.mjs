/**
 * `npm run bench -- --tenants N`: many shops on one deployment (issue 17). The same real pipeline as
 * the single-shop benchmark (module and sandbox under wrangler dev, local D1 and queues, metered
 * invocations), with N seeded idle shops (tenants-seed.mjs) plus one shop connected through the
 * marketplace with 10 syncs on one segment. It fires the cron by hand and, per tick, waits until
 * every invocation the tick caused (slices, history polls, run steps) is over, then reports what the
 * tick and its consumers did: idle ticks first, then ticks in which 1% of the shops change. Last,
 * the change latency of the 10-sync shop. Results: a "Many shops" section of bench/results.md.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Collector } from './collector.mjs'
import { d1FileBytes, localD1 } from './dbs.mjs'
import { plannedChange, visible } from './latency.mjs'
import { machineInfo } from './machine.mjs'
import {
  descendants,
  sleep,
  startModuleWorker,
  startSandboxWorker,
  stopProcess,
  wranglerSync,
} from './procs.mjs'
import { writeResultsMd } from './results.mjs'
import * as sc from './scenario.mjs'
import { snapshotCode } from './snapshot.mjs'
import { renderTenants, summarizeTick } from './tenants-report.mjs'
import {
  createSharedList,
  SEED_SEGMENT,
  seedSandboxShops,
  shopCode,
  writeModuleSeed,
} from './tenants-seed.mjs'

const root = process.cwd()
/** Syncs of the latency shop, all on its one segment (issue 17). */
const LATENCY_SYNCS = 10

function moduleWorkerd(wranglerPid) {
  const pids = descendants(wranglerPid, 'workerd')
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--inspector-addr')) return pid
    } catch {}
  }
  return pids.at(-1) ?? null
}

/** Waits until no invocation is open and none ended for `quietMs`; false at `deadline`. */
async function untilQuiet(collector, quietMs, deadline) {
  let lastCount = collector.steps.length
  let lastAt = Date.now()
  while (Date.now() < deadline) {
    await sleep(250)
    if (collector.steps.length !== lastCount || collector.starts.size > 0) {
      lastCount = collector.steps.length
      lastAt = Date.now()
    } else if (Date.now() - lastAt >= quietMs) return true
  }
  return false
}

/** Creates a sync on the latency shop's segment, writing a new list of its own title. */
async function createSync(ctx, browser, accountId, segmentId, title) {
  await browser.request(`${ctx.appUrl}/syncs/new`)
  const res = await browser.post(`${ctx.appUrl}/syncs`, {
    segmentId: String(segmentId),
    accountId: String(accountId),
    createList: '1',
    listTitle: title,
    mode: 'exact',
    intent: 'save',
  })
  if (res.status >= 400) throw new Error(`create sync: HTTP ${res.status}`)
}

export async function runTenantsBenchmark(args) {
  const n = args.tenants
  const machine = machineInfo(root)
  const appUrl = `http://localhost:${args.appPort}`
  const sandboxUrl = `http://localhost:${args.sandboxPort}`
  const state = join(root, '.wrangler', 'bench-tenants')
  const appState = join(state, 'app')
  const sandboxState = join(state, 'sandbox')
  const logDir = join(root, 'bench', 'out')
  mkdirSync(logDir, { recursive: true })
  rmSync(state, { recursive: true, force: true })
  mkdirSync(state, { recursive: true })
  const deadline = Date.now() + args.timeoutMin * 60_000
  const status = { phase: 'start', notes: [] }
  const results = { machine, args, ticks: [], latency: null, setup: {}, status }
  const children = []
  let appPid = null
  const collector = new Collector(() => appPid)
  const stamp = machine.date.replace(/[:.]/g, '-')
  const logs = {
    app: createWriteStream(join(logDir, `tenants-app-${stamp}.log`)),
    sandbox: createWriteStream(join(logDir, `tenants-sandbox-${stamp}.log`)),
  }
  const keep = (name) => (line) => {
    logs[name].write(`${line}\n`)
    if (name === 'app') collector.onLine(line)
    if (args.verbose) console.log(`[${name}] ${line}`)
  }
  const stopAll = async () => {
    for (const c of children.reverse()) await stopProcess(c)
  }
  console.log(`bench: --tenants ${n.toLocaleString('en-US')}`)
  try {
    status.phase = 'snapshot'
    const code = join(state, 'code')
    results.code = snapshotCode(root, code)
    status.phase = 'migrations'
    wranglerSync(code, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', appState])
    status.phase = 'start sandbox'
    children.push(
      await startSandboxWorker(code, {
        port: args.sandboxPort,
        state: sandboxState,
        appUrl,
        secret: sc.PARTNER_SECRET,
        rateScale: args.rateScale,
        onLine: keep('sandbox'),
      })
    )
    status.phase = `seed ${n} sandbox shops`
    let t = Date.now()
    const keys = await seedSandboxShops(sandboxUrl, n, (k) => console.log(`bench: ${k} shops`))
    results.setup.sandboxShopsS = (Date.now() - t) / 1000
    const ctx0 = { sandboxUrl }
    await sc.createUnisenderAccount(ctx0, 100_000)
    const listId = await createSharedList(sandboxUrl, sc.UNI_KEY, 'Магазины')
    status.phase = 'seed the module database'
    const encryptionKey = randomBytes(32).toString('base64')
    t = Date.now()
    const files = writeModuleSeed(join(state, 'seed'), {
      n,
      sandboxUrl,
      keys,
      encryptionKey,
      uniLogin: sc.UNI_LOGIN,
      uniKey: sc.UNI_KEY,
      listId,
      now: Date.now(),
    })
    for (const file of files)
      wranglerSync(code, [
        'd1',
        'execute',
        'DB',
        '--local',
        '--persist-to',
        appState,
        '--file',
        file,
      ])
    results.setup.moduleSeedS = (Date.now() - t) / 1000

    status.phase = 'start module'
    const app = await startModuleWorker(code, {
      port: args.appPort,
      state: appState,
      sandboxUrl,
      encryptionKey: encryptionKey,
      secret: sc.PARTNER_SECRET,
      onLine: keep('app'),
    })
    children.push(app)
    appPid = moduleWorkerd(app.pid)
    if (!appPid) status.notes.push('module workerd process not found: CPU not measured')
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

    status.phase = 'latency shop: connect, 10 syncs, first runs'
    const shop = await sc.createShop(ctx, 1000)
    const browser = await sc.connect(ctx, shop)
    // Its first poll starts its cursor, as production's cron soon would, before it has syncs (else
    // that first poll asks for a reconcile of all 10). The setup tick's slices may come too late on
    // the serial local queue (a dropped slice), so fire again until the cursor is there.
    const cursorOf = () =>
      ctx.appDb.one(
        'SELECT history_since_id AS c FROM tenants WHERE system_url = ?',
        shop.systemUrl
      )
    do {
      await sc.fireCron(ctx)
      await untilQuiet(collector, 3000, deadline)
    } while (cursorOf()?.c == null && Date.now() < deadline)
    const accountId = await sc.addAccount(ctx, browser)
    const seg = await sc.segmentInfo(shop)
    for (let k = 1; k <= LATENCY_SYNCS; k++)
      await createSync(ctx, browser, accountId, seg.id, `Бенчмарк ${k}`)
    const tenant = ctx.appDb.one('SELECT tenant_id FROM syncs ORDER BY id DESC LIMIT 1').tenant_id
    while (Date.now() < deadline) {
      const open = ctx.appDb.one(
        "SELECT count(*) AS n FROM runs WHERE tenant_id = ? AND status NOT IN ('done', 'failed', 'cancelled', 'needs_confirmation')",
        tenant
      ).n
      if (open === 0) break
      await sleep(500)
    }
    await untilQuiet(collector, 3000, deadline)

    const changing = Math.max(1, Math.round(n * args.changeShare))
    const kinds = [
      ...Array.from({ length: args.ticks }, () => 'idle'),
      ...Array.from({ length: args.ticks }, () => 'change'),
    ]
    let changeRound = 0
    for (const [i, kind] of kinds.entries()) {
      status.phase = `tick ${i + 1} (${kind})`
      let changed = 0
      if (kind === 'change') {
        // A different 1% each time: shop j changes in round r when j % (n / changing) === r.
        const every = Math.max(1, Math.floor(n / changing))
        const picked = []
        for (let j = changeRound % every; j < n && picked.length < changing; j += every)
          picked.push(j)
        changeRound++
        let next = 0
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < picked.length) {
              const j = picked[next++]
              await sc.changeSegment({ systemUrl: `${sandboxUrl}/crm/${shopCode(j)}` }, 1, {
                add: 2,
                remove: 1,
              })
            }
          })
        )
        changed = picked.length
      }
      collector.begin(`tick ${i + 1}`)
      const t0 = Date.now()
      await sc.fireCron(ctx)
      const quiet = await untilQuiet(collector, 4000, deadline)
      const w = collector.end()
      const tick = summarizeTick(w, { kind, changed, n, t0, quiet })
      results.ticks.push(tick)
      console.log(`bench: ${JSON.stringify({ ...tick, steps: undefined })}`)
    }

    results.setup.d1Bytes = d1FileBytes(appState)
    status.phase = 'latency: 8 customers of the 10-sync segment change'
    const lctx = { ...ctx, shop, segment: seg }
    const plan = await plannedChange(lctx, 3, 5)
    const lists = ctx.appDb
      .all('SELECT list_id FROM syncs WHERE tenant_id = ? ORDER BY id', tenant)
      .map((r) => r.list_id)
    await sc.changeSegment(shop, seg.id, { add: 5, remove: 3 })
    const t0 = Date.now()
    await sc.fireCron(ctx)
    let lastTick = t0
    let ticksFired = 1
    const seenAt = new Map()
    // The cron fires again each minute only until a slice has handed the shop to a history poll
    // (its poll lease taken) or that poll ran: on its segment-watch minute a shop's check reads the
    // counts and the history waits a minute. A tick fired later would only queue every other shop's
    // slices again, ahead of this shop's poll and runs on the serial local queue (on Cloudflare
    // consumers run side by side).
    const pollBegun = () =>
      (ctx.appDb.one('SELECT history_poll_until AS u FROM tenants WHERE id = ?', tenant)?.u ??
        null) !== null ||
      collector.steps.some((st) => st.at >= t0 && (st.types ?? []).includes('poll-history'))
    while (Date.now() < Math.min(deadline, t0 + 15 * 60_000) && seenAt.size < lists.length) {
      for (const id of lists)
        if (!seenAt.has(id) && visible(lctx, id, plan)) seenAt.set(id, Date.now())
      if (Date.now() - lastTick >= 60_000 && !pollBegun()) {
        lastTick = Date.now()
        ticksFired++
        await sc.fireCron(ctx)
      }
      await sleep(200)
    }
    // Where the 10-sync shop's check sat: its slice, and when its history poll began (the first
    // poll-history after the tick: no other shop changed in this phase).
    const after = collector.steps.filter((st) => st.at >= t0)
    const slices = after.filter((st) => (st.types ?? []).includes('poll-tenants'))
    const history = after.find((st) => (st.types ?? []).includes('poll-history'))
    const historyStart = history ? history.at - history.wallMs : null
    const runs = ctx.appDb.all(
      'SELECT kind, trigger, api_calls FROM runs WHERE tenant_id = ? AND created_at >= ? ORDER BY id',
      tenant,
      t0
    )
    results.latency = {
      ticksFired,
      syncs: lists.length,
      changed: plan.in.length + plan.out.length,
      visible: seenAt.size,
      lastS: seenAt.size === lists.length ? (Math.max(...seenAt.values()) - t0) / 1000 : null,
      firstS: seenAt.size > 0 ? (Math.min(...seenAt.values()) - t0) / 1000 : null,
      slices: slices.length,
      slicePosition:
        historyStart === null ? null : slices.filter((st) => st.at <= historyStart).length,
      historyStartS: historyStart === null ? null : (historyStart - t0) / 1000,
      afterPollS:
        historyStart === null || seenAt.size < lists.length
          ? null
          : (Math.max(...seenAt.values()) - historyStart) / 1000,
      runs: runs.length,
      runKinds: runs.map((r) => r.kind),
      crmCalls: runs.reduce((a, r) => a + (JSON.parse(r.api_calls || '{}').retailcrm ?? 0), 0),
    }
    console.log(`bench: latency ${JSON.stringify(results.latency)}`)
    status.phase = 'done'
  } catch (err) {
    // The first lines say what failed; a wrangler failure's full output is in the logs.
    status.error = (err instanceof Error ? err.message : String(err)).slice(0, 600)
    console.error(`bench: stopped in phase "${status.phase}": ${status.error}`)
  } finally {
    await stopAll()
  }
  for (const stream of Object.values(logs)) stream.end()
  writeFileSync(
    join(logDir, `tenants-ticks-${stamp}.jsonl`),
    results.ticks
      .flatMap((t) => t.steps.map((s) => JSON.stringify({ tick: t.label, ...s })))
      .join('\n')
  )
  const section = renderTenants(results, SEED_SEGMENT)
  if (args.scratch) console.log(`\n${section}\n\n(--scratch: bench/results.md left unchanged)`)
  else {
    const jsonPath = join(root, 'bench', 'results.json')
    let store = { byN: {} }
    try {
      store = JSON.parse(readFileSync(jsonPath, 'utf8'))
    } catch {}
    store.byTenants ??= {}
    store.byTenants[String(n)] = {
      date: machine.date,
      code: results.code,
      ticks: results.ticks.map((t) => ({ ...t, steps: undefined })),
      latency: results.latency,
      setup: results.setup,
      status,
      markdown: section,
    }
    writeFileSync(jsonPath, `${JSON.stringify(store, null, 2)}\n`)
    writeResultsMd(root, store)
    console.log(`\n${section}`)
  }
  if (status.error) process.exitCode = 1
}
