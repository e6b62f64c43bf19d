/**
 * The sync page, its live-progress JSON (polled by public/static/app.js) and the rejects CSV of a
 * run. Every id is checked against the session's tenant: another tenant's sync or run is a 404.
 */
import { Hono } from 'hono'
import { unisenderListUrl } from '../../accounts/list-link'
import { getConfig } from '../../config'
import { getAccount } from '../../db/queries/accounts'
import { countRejects, getRun, listRejects, listRuns } from '../../db/queries/syncs'
import { getRunSample, parseCounts } from '../../sync'
import { planTooSmall } from '../../sync-settings/form'
import { reasonText, rejectDetail } from '../../ui/components/run-details'
import { progressLabel, runProgressOf } from '../../ui/components/sync-bits'
import { SyncPage } from '../../ui/pages/sync-page'
import { sourceLabel, targetLabel } from '../../ui/pages/syncs-list'
import { renderer, tr, uiLocale } from '../../ui/renderer'
import { isRunActive, progressOf } from '../../ui/sync-view'
import { idParam, notFound } from '../ui-helpers'
import { formDeps } from './deps'
import { FLASH_KEYS } from './flash'
import { loadSync, type SyncEnv } from './load-sync'

/** Rejects shown on the page per run; the CSV has all of them. */
const REJECTS_SHOWN = 50
/** The engine keeps at most this many rejects per run (REJECT_CAP), so the CSV is bounded. */
const CSV_MAX = 10_000

/** One CSV cell: quoted, and defused against spreadsheet formula injection. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return `"${safe.replace(/"/g, '""')}"`
}

export const syncView = new Hono<SyncEnv>()
syncView.use(renderer)

syncView.get('/:id', loadSync, async (c) => {
  const t = tr(c)
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  const runs = await listRuns(c.var.db, tenantId, sync.id, 20)
  const counts = await countRejects(
    c.var.db,
    tenantId,
    runs.map((r) => r.id)
  )
  const rejects = new Map(
    await Promise.all(
      runs
        .filter((r) => (counts.get(r.id) ?? 0) > 0)
        .slice(0, 5)
        .map(
          async (r) => [r.id, await listRejects(c.var.db, tenantId, r.id, REJECTS_SHOWN)] as const
        )
    )
  )
  const latest = runs[0]
  const sample =
    latest?.dryRun && latest.status === 'done'
      ? await getRunSample(c.var.db, tenantId, latest.id)
      : undefined
  const account = await getAccount(c.var.db, tenantId, sync.unisenderAccountId)
  const planned =
    latest?.dryRun && latest.status === 'done' ? parseCounts(latest.counts).plannedAdd : 0
  const plan =
    account && planned > 0 ? await planTooSmall(formDeps(c), account, planned, sync.mode) : null
  const flash = FLASH_KEYS[c.req.query('done') ?? '']
  return c.render(
    <SyncPage
      t={t}
      locale={uiLocale(c)}
      csrf={c.var.csrfToken}
      sync={sync}
      runs={runs}
      rejects={rejects}
      rejectCounts={counts}
      sample={sample}
      plan={plan ?? undefined}
      listUrl={unisenderListUrl(getConfig(c.env).UNISENDER_API_URL, sync.listId)}
      now={Date.now()}
    />,
    {
      title: t('sync.title', { segment: sourceLabel(t, sync), list: targetLabel(t, sync) }),
      active: 'syncs',
      flash: flash ? t(flash) : undefined,
    }
  )
})

syncView.get('/:id/progress', loadSync, async (c) => {
  const sync = c.var.sync
  const run = sync.lastRun
  c.header('Cache-Control', 'no-store')
  if (!run) return c.json({ active: false, done: 0, total: 0, status: null, label: '' })
  const { done, total } = progressOf(run)
  const now = Date.now()
  const p = runProgressOf(run, now)
  return c.json({
    active: isRunActive(run),
    status: run.status,
    done,
    total,
    /** The whole run's share done (0–100), for a bar that never moves back. */
    percent: p.stage === 'waiting' ? null : Math.round(p.fraction * 100),
    stage: p.stage,
    label: progressLabel(tr(c), uiLocale(c), run, now),
  })
})

syncView.get('/:id/runs/:runId/rejects.csv', loadSync, async (c) => {
  const t = tr(c)
  const tenantId = c.var.tenant.id
  const sync = c.var.sync
  const run = await getRun(c.var.db, tenantId, idParam(c, 'runId'))
  if (!run || run.syncId !== sync.id) notFound()
  const rows = await listRejects(c.var.db, tenantId, run.id, CSV_MAX)
  const lines = [['email', 'reason', 'reason_text', 'detail'].map(csvCell).join(',')]
  for (const r of rows)
    lines.push(
      [r.email, r.reason, reasonText(t, r.reason), rejectDetail(t, r.detail) ?? '']
        .map(csvCell)
        .join(',')
    )
  c.header('Content-Type', 'text/csv; charset=utf-8')
  c.header(
    'Content-Disposition',
    `attachment; filename="sync-${sync.id}-run-${run.id}-rejects.csv"`
  )
  // A BOM so spreadsheet programs read the Cyrillic reasons as UTF-8.
  return c.body(`\uFEFF${lines.join('\r\n')}\r\n`)
})
