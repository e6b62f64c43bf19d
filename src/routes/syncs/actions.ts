/**
 * Buttons of the sync page: run now, dry run, pause, resume, activate a draft, confirm or cancel a
 * run held by the removal guard, and the guard's threshold. Each is a CSRF-checked POST (sessionGate) that redirects
 * back to the sync page with a flash line.
 */
import { type Context, Hono } from 'hono'
import { getRun, updateSync } from '../../db/queries/syncs'
import { cancelRun, confirmRun, type RunTrigger, startRun } from '../../sync'
import { formStrings, idParam, notFound } from '../ui-helpers'
import { runDeps } from './deps'
import { loadSync, type SyncEnv } from './load-sync'

async function start(c: Context<SyncEnv>, trigger: RunTrigger, dryRun: boolean) {
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  // Nothing can run without the account: say so instead of doing nothing.
  if (sync.pausedReason === 'account_deleted')
    return c.redirect(`/syncs/${sync.id}?done=accountGone`, 303)
  const r = await startRun(runDeps(c), { tenantId, syncId: sync.id, trigger, dryRun })
  return c.redirect(`/syncs/${sync.id}?done=${r.started ? 'started' : 'running'}`, 303)
}

export const syncActions = new Hono<SyncEnv>()

syncActions.post('/:id/run', loadSync, (c) => start(c, 'manual', false))
syncActions.post('/:id/dry-run', loadSync, (c) => start(c, 'manual', true))

syncActions.post('/:id/pause', loadSync, async (c) => {
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  // Pausing would hide why the sync stopped (its account is gone): say that instead.
  if (sync.pausedReason === 'account_deleted')
    return c.redirect(`/syncs/${sync.id}?done=accountGone`, 303)
  if (sync.pausedReason !== 'draft')
    await updateSync(
      c.var.db,
      tenantId,
      sync.id,
      { state: 'paused', pausedReason: 'user' },
      Date.now()
    )
  return c.redirect(`/syncs/${sync.id}`, 303)
})

syncActions.post('/:id/resume', loadSync, async (c) => {
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  // A draft is activated with "Сохранить и запустить"; a deleted account needs an edit first.
  if (sync.pausedReason === 'account_deleted')
    return c.redirect(`/syncs/${sync.id}?done=accountGone`, 303)
  if (sync.pausedReason === 'user' || sync.pausedReason === 'crm_broken' || !sync.pausedReason) {
    const now = Date.now()
    await updateSync(
      c.var.db,
      tenantId,
      sync.id,
      { state: 'active', pausedReason: null, nextRunAt: now },
      now
    )
  }
  return c.redirect(`/syncs/${sync.id}`, 303)
})

syncActions.post('/:id/activate', loadSync, async (c) => {
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  if (sync.pausedReason !== 'draft') return c.redirect(`/syncs/${sync.id}`, 303)
  await updateSync(c.var.db, tenantId, sync.id, { state: 'active', pausedReason: null }, Date.now())
  const r = await startRun(runDeps(c), { tenantId, syncId: sync.id, trigger: 'create' })
  return c.redirect(`/syncs/${sync.id}?done=${r.started ? 'started' : 'running'}`, 303)
})

/** The removal guard's threshold of this sync, from the sync page's small form. */
syncActions.post('/:id/guard', loadSync, async (c) => {
  const sync = c.var.sync
  const f = await formStrings(c)
  const int = (s: string | undefined, lo: number, hi: number) => {
    const v = /^\s*\d{1,7}\s*$/.test(s ?? '') ? Number(s) : Number.NaN
    return v >= lo && v <= hi ? v : null
  }
  const percent = int(f.guardPercent, 1, 100)
  const minCount = int(f.guardMinCount, 1, 1_000_000)
  if (percent === null || minCount === null)
    return c.redirect(`/syncs/${sync.id}?done=guardInvalid#guard`, 303)
  await updateSync(
    c.var.db,
    c.var.tenant.id,
    sync.id,
    { guardPercent: percent, guardMinCount: minCount },
    Date.now()
  )
  return c.redirect(`/syncs/${sync.id}?done=guardSaved#guard`, 303)
})

/** The run of this sync named in the path, or 404. */
async function runOf(c: Context<SyncEnv>) {
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  const run = await getRun(c.var.db, tenantId, idParam(c, 'runId'))
  if (!run || run.syncId !== sync.id) notFound()
  return { tenantId, sync, run }
}

syncActions.post('/:id/runs/:runId/confirm', loadSync, async (c) => {
  const { tenantId, sync, run } = await runOf(c)
  await confirmRun(runDeps(c), { tenantId, runId: run.id })
  return c.redirect(`/syncs/${sync.id}?done=confirmed`, 303)
})

syncActions.post('/:id/runs/:runId/cancel', loadSync, async (c) => {
  const { tenantId, sync, run } = await runOf(c)
  await cancelRun(runDeps(c), { tenantId, runId: run.id })
  return c.redirect(`/syncs/${sync.id}?done=cancelled`, 303)
})
