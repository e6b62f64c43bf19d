/**
 * Drives the pipeline as a shop owner and a CRM would, over HTTP only: a benchmark shop in the
 * sandbox CRM, a Unisender sandbox account, the marketplace connection (config → register with the
 * HMAC token → login through accountUrl), the account and sync forms of the module (session
 * cookie + CSRF token), a 1% segment change in the CRM, and watching runs finish.
 */
import { createHmac } from 'node:crypto'
import { Browser, json } from './http.mjs'
import { sleep } from './procs.mjs'

export const PARTNER_SECRET = 'dev-partner-secret'
export const UNI_LOGIN = 'bench'
export const UNI_KEY = 'bench-api-key-0123456789'

/** Creates the bench shop (N customers, one dynamic segment `bench` of N members). */
export async function createShop(ctx, n) {
  const code = `bench-${n}`
  const customers = Math.ceil(n / 0.99)
  await json(`${ctx.sandboxUrl}/crm/_shops`, {
    method: 'POST',
    body: { bench: true, code, customers, segmentSize: n },
  })
  return { code, systemUrl: `${ctx.sandboxUrl}/crm/${code}` }
}

/** A Unisender sandbox account big enough for the run (the plan limit is checked by the module). */
export async function createUnisenderAccount(ctx, n) {
  await json(`${ctx.sandboxUrl}/unisender/control/accounts`, {
    method: 'POST',
    body: { login: UNI_LOGIN, apiKey: UNI_KEY, contactLimit: Math.max(10 * n, 100_000) },
  })
}

/** Plays the marketplace: issues a CRM key, registers the module, logs in with the clientId. */
export async function connect(ctx, shop) {
  const config = await json(`${ctx.appUrl}/retailcrm/config`)
  const { apiKey } = await json(`${shop.systemUrl}/sandbox/api-keys`, {
    method: 'POST',
    body: { scopes: config.scopes },
  })
  const token = createHmac('sha256', PARTNER_SECRET).update(apiKey).digest('hex')
  const reg = await fetch(config.registerUrl.replace(/^https?:\/\/[^/]+/, ctx.appUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      register: JSON.stringify({ systemUrl: shop.systemUrl, apiKey, token }),
    }),
  })
  const answer = await reg.json()
  if (!answer.success) throw new Error(`register failed: ${JSON.stringify(answer)}`)
  const state = await json(`${shop.systemUrl}/sandbox/state`)
  const mod = state.modules.find((m) => m.clientId)
  if (!mod) throw new Error('the module did not register itself in the sandbox CRM')
  const browser = new Browser()
  const page = await browser.request(`${ctx.appUrl}/retailcrm/login?clientId=${mod.clientId}`)
  if (page.status !== 200) throw new Error(`login: HTTP ${page.status}`)
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
export async function createSync(ctx, browser, { accountId, segmentId, mode }) {
  const form = await browser.request(`${ctx.appUrl}/syncs/new`)
  if (form.status !== 200) throw new Error(`sync form: HTTP ${form.status}`)
  const res = await browser.post(`${ctx.appUrl}/syncs`, {
    segmentId: String(segmentId),
    accountId: String(accountId),
    createList: '1',
    listTitle: 'Бенчмарк',
    mode,
    planConfirmed: '1',
    intent: 'save',
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
    'SELECT id, status, phase, kind, trigger, counts, api_calls, created_at, started_at, finished_at, error_code, error_message FROM runs WHERE sync_id = ? AND id > ? ORDER BY id',
    syncId,
    afterId
  )
}

/**
 * Waits until a run of `syncId` newer than `afterId` exists and every such run is finished;
 * returns them. Gives up at `deadline` (epoch ms) with what it saw.
 */
export async function waitForRuns(ctx, syncId, afterId, deadline, onProgress = () => {}) {
  const final = new Set(['done', 'failed', 'cancelled', 'needs_confirmation'])
  let last = 0
  while (Date.now() < deadline) {
    const runs = runsAfter(ctx, syncId, afterId)
    if (runs.length > 0 && runs.every((r) => final.has(r.status))) return { runs, timedOut: false }
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
