/**
 * Drives the pipeline as a shop owner and a CRM would, over HTTP only: a benchmark shop in the
 * sandbox CRM, a Unisender sandbox account, the marketplace connection (config → register with the
 * HMAC token → login through accountUrl), the account and sync forms of the module (session
 * cookie + CSRF token), a 1% segment change in the CRM, and watching runs finish.
 */
import { Browser, json } from './http.mjs'
import { sleep } from './procs.mjs'

/** Must equal the sandbox MODULE_SECRET and the module RETAILCRM_MODULE_SECRET (both set by the bench). */
export const PARTNER_SECRET = 'dev-partner-secret'
export const UNI_LOGIN = 'bench'
export const UNI_KEY = 'bench-api-key-0123456789'

/**
 * Creates the bench shop through the marketplace simulator: N clean customers in the dynamic
 * segment `bench`, plus room (2%, at least 2,000) for customers joining on recalculations.
 */
export async function createShop(ctx, n) {
  const code = `bench-${n}`
  const customers = n + Math.max(Math.ceil(n / 50), 2000)
  const res = await fetch(`${ctx.sandboxUrl}/marketplace/shops`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code, customers: String(customers), share: String(n / customers) }),
    redirect: 'manual',
  })
  await res.text()
  const err = res.headers.get('location')?.match(/error=([^&]+)/)
  if (res.status !== 303 || err)
    throw new Error(`create shop: HTTP ${res.status} ${err ? decodeURIComponent(err[1]) : ''}`)
  return { code, systemUrl: `${ctx.sandboxUrl}/crm/${code}` }
}

/** A Unisender sandbox account big enough for the run (the plan limit is checked by the module). */
export async function createUnisenderAccount(ctx, n) {
  await json(`${ctx.sandboxUrl}/unisender/control/accounts`, {
    method: 'POST',
    body: { login: UNI_LOGIN, apiKey: UNI_KEY, contactLimit: Math.max(10 * n, 100_000) },
  })
}

/**
 * "Подключить" in the marketplace simulator: it fetches the module's config, issues a CRM key,
 * registers with the HMAC token and answers a hand-off form that posts the clientId to accountUrl;
 * the script submits that form as the browser would and keeps the session cookie.
 */
export async function connect(ctx, shop) {
  const browser = new Browser()
  const res = await fetch(`${ctx.sandboxUrl}/marketplace/shops/${shop.code}/connect`, {
    method: 'POST',
  })
  const page = await res.text()
  const action = /<form id="handoff" method="post" action="([^"]+)"/.exec(page)?.[1]
  const clientId = /name="clientId" value="([^"]+)"/.exec(page)?.[1]
  if (!res.ok || !action || !clientId)
    throw new Error(
      `marketplace connect: HTTP ${res.status}: ${page.replace(/<[^>]+>/g, ' ').slice(0, 400)}`
    )
  const url = action.replace(/&amp;/g, '&')
  // A browser posting the hand-off from the sandbox CRM's page names that page's origin; the module
  // accepts the hand-off only from the tenant's own CRM origin (login CSRF, src/tenants/handoff-origin.ts).
  const landed = await browser.request(url, {
    method: 'POST',
    form: { clientId },
    headers: { origin: new URL(ctx.sandboxUrl).origin },
  })
  if (landed.status !== 200) throw new Error(`login through accountUrl: HTTP ${landed.status}`)
  return browser
}

/** Adds the Unisender account through the module's form. */
export async function addAccount(ctx, browser) {
  await browser.request(`${ctx.appUrl}/accounts/new`)
  const res = await browser.post(`${ctx.appUrl}/accounts`, { login: UNI_LOGIN, apiKey: UNI_KEY })
  if (res.status !== 200) throw new Error(`add account: HTTP ${res.status}`)
  const accounts = ctx.appDb.all('SELECT id FROM unisender_accounts ORDER BY id DESC LIMIT 1')
  if (!accounts[0]) throw new Error('add account: no account row after the form was saved')
  return accounts[0].id
}

/** Creates the sync (exact mode, new list named like the segment) through the module's form. */
export async function createSync(ctx, browser, { accountId, segmentId, mode, fields = [] }) {
  const form = await browser.request(`${ctx.appUrl}/syncs/new`)
  if (form.status !== 200) throw new Error(`sync form: HTTP ${form.status}`)
  const res = await browser.post(`${ctx.appUrl}/syncs`, {
    segmentId: String(segmentId),
    accountId: String(accountId),
    createList: '1',
    listTitle: 'Бенчмарк',
    mode,
    intent: 'save',
    // Contact fields (#15): the rows as the form sends them; none unless the scenario maps some.
    fieldsShown: '1',
    ...Object.fromEntries(
      fields.flatMap(([source, target], i) => [
        [`fieldSource.${i}`, source],
        [`fieldTarget.${i}`, target],
      ])
    ),
  })
  if (res.status >= 400)
    throw new Error(`create sync: HTTP ${res.status}: ${res.text.slice(0, 300)}`)
  const sync = ctx.appDb.one('SELECT id FROM syncs ORDER BY id DESC LIMIT 1')
  if (!sync) throw new Error('create sync: no sync row after the form was saved')
  return sync.id
}

/** Runs of a sync newer than `afterId`. */
export function runsAfter(ctx, syncId, afterId) {
  return ctx.appDb.all(
    'SELECT id, status, phase, kind, trigger, counts, api_calls, cursor, progress_done, created_at, started_at, finished_at, error_code, error_message FROM runs WHERE sync_id = ? AND id > ? ORDER BY id',
    syncId,
    afterId
  )
}

/** A run that changes nothing in D1 for this long is reported as stalled (retries back off ≤ 15 min). */
export const STALL_MS = 6 * 60_000

/**
 * Waits until a run of `syncId` newer than `afterId` exists and every such run is finished;
 * returns them. Gives up at `deadline` (epoch ms), or when nothing moved for STALL_MS.
 */
export async function waitForRuns(ctx, syncId, afterId, deadline, onProgress = () => {}) {
  const final = new Set(['done', 'failed', 'cancelled', 'needs_confirmation'])
  let last = 0
  let signature = ''
  let movedAt = Date.now()
  while (Date.now() < deadline) {
    const runs = runsAfter(ctx, syncId, afterId)
    if (runs.length > 0 && runs.every((r) => final.has(r.status))) return { runs, timedOut: false }
    const sig = JSON.stringify(runs.map((r) => [r.id, r.status, r.phase, r.cursor, r.api_calls]))
    if (sig !== signature) {
      signature = sig
      movedAt = Date.now()
    } else if (Date.now() - movedAt > STALL_MS) return { runs, timedOut: true, stalled: true }
    if (Date.now() - last > 10_000) {
      last = Date.now()
      onProgress(runs)
    }
    await sleep(250)
  }
  return { runs: runsAfter(ctx, syncId, afterId), timedOut: true }
}

/** The sandbox CRM's view of the bench segment. */
export async function segmentInfo(shop) {
  const state = await json(`${shop.systemUrl}/sandbox/state`)
  const seg = state.segments.find((s) => s.code === 'bench') ?? state.segments[0]
  return seg
}

/** Recalculates the dynamic segment: `remove` members leave, `add` customers join. */
export async function changeSegment(shop, segmentId, { add, remove }) {
  return json(`${shop.systemUrl}/sandbox/segments/${segmentId}/recalculate`, {
    method: 'POST',
    body: { add, remove },
  })
}

/** Fires the module's cron handler once, as the Cron Trigger does every minute. */
export async function fireCron(ctx) {
  const res = await fetch(`${ctx.appUrl}/__scheduled?cron=${encodeURIComponent('* * * * *')}`)
  await res.text()
  return res.status
}

/** Per-method call counters of both emulators (cumulative since they started). */
export async function emulatorCalls(ctx, shop) {
  const uni = await json(`${ctx.sandboxUrl}/unisender/control/state`)
  let crm = null
  try {
    const state = await json(`${shop.systemUrl}/sandbox/state`)
    crm = state.stats ?? state.calls ?? null
  } catch {}
  return { unisender: uni.calls ?? {}, crm }
}

/**
 * Presses «run now» on the sync page: a full run (trigger `manual`) — the same steps as the
 * scheduler's daily reconcile, which only also ignores the previous run's refused contacts.
 */
export async function runNow(ctx, browser) {
  const page = await browser.request(`${ctx.appUrl}/syncs/${ctx.syncId}`)
  if (page.status !== 200) throw new Error(`sync page: HTTP ${page.status}`)
  const res = await browser.post(`${ctx.appUrl}/syncs/${ctx.syncId}/run`, {})
  if (res.status >= 400) throw new Error(`run now: HTTP ${res.status}: ${res.text.slice(0, 300)}`)
  if (/[?&]done=running/.test(res.url))
    throw new Error('run now: a run of the sync is still active')
}
