/** "Unisender": the sync list with the "Создать новую синхронизацию" button and live state. */
import type { SyncRow } from '../../db/queries/syncs'
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type T } from '../../i18n'
import { parseCounts } from '../../sync'
import { Alert } from '../components/alert'
import { FirstRunChecklist } from '../components/checklist'
import { runErrorText } from '../components/run-details'
import { formatTime, LiveProgress, StateBadge } from '../components/sync-bits'
import { TableWrap } from '../components/table'
import { isRunActive, type SyncViewState, syncViewState } from '../sync-view'

/** What the segment column says for a sync. */
export function sourceLabel(
  t: T,
  s: Pick<SyncRow, 'allCustomers' | 'segmentName' | 'segmentCode'>
) {
  return s.allCustomers ? t('syncs.allCustomers') : (s.segmentName ?? s.segmentCode ?? '—')
}

/** What the list column says for a sync. */
export function targetLabel(t: T, s: Pick<SyncRow, 'listId' | 'listTitle'>) {
  return s.listId == null ? t('syncs.newList', { title: s.listTitle }) : s.listTitle
}

/** Short outcome of the last finished run. */
export function lastResult(t: T, locale: Locale, run: Run | null): string {
  if (!run || run.status === 'queued' || run.status === 'running') return '—'
  const c = parseCounts(run.counts)
  const n = (x: number) => formatNumber(locale, x)
  if (run.status === 'failed')
    return run.errorCode === 'plan_limit' ? t('plan.title') : runErrorText(t, run.errorCode)
  if (run.status === 'needs_confirmation')
    return t('last.dry', { add: n(c.plannedAdd), remove: n(c.plannedRemove) })
  if (run.status === 'cancelled') return t('state.cancelled')
  if (run.dryRun) return t('last.dry', { add: n(c.plannedAdd), remove: n(c.plannedRemove) })
  return t('last.summary', { added: n(c.added), removed: n(c.removed), unchanged: n(c.unchanged) })
}

/** When the next run is due, in words. */
export function nextRunLabel(t: T, locale: Locale, s: SyncRow): string {
  if (s.state === 'paused') return t('syncs.nextNone')
  if (s.nextRunAt) return formatTime(locale, s.nextRunAt)
  return s.segmentIsDynamic || s.allCustomers ? t('syncs.nextAfterChange') : t('syncs.nextNone')
}

/** The filter of the sync list (GET ?q=&state=), shown once a shop has this many syncs. */
export const FILTER_FROM = 6

export interface SyncFilter {
  q?: string
  state?: string
}

/** The syncs matching the filter: the text in the segment or list name, and the shown state. */
export function filterSyncs(t: T, rows: SyncRow[], f: SyncFilter): SyncRow[] {
  const q = (f.q ?? '').trim().toLocaleLowerCase()
  return rows.filter(
    (s) =>
      (!q ||
        sourceLabel(t, s).toLocaleLowerCase().includes(q) ||
        targetLabel(t, s).toLocaleLowerCase().includes(q)) &&
      (!f.state || syncViewState(s, s.lastRun) === f.state)
  )
}

const FILTER_STATES: SyncViewState[] = [
  'ok',
  'running',
  'queued',
  'needs_confirmation',
  'failed',
  'paused',
  'draft',
  'never',
]

function FilterForm(p: { t: T; filter: SyncFilter; shown: number; total: number }) {
  const { t } = p
  return (
    <form method="get" action="/syncs" class="filter" aria-label={t('syncs.filter.label')}>
      <div class="field">
        <label for="filter-q">{t('syncs.filter.q')}</label>
        <input id="filter-q" name="q" type="search" value={p.filter.q ?? ''} />
      </div>
      <div class="field">
        <label for="filter-state">{t('syncs.filter.state')}</label>
        <select id="filter-state" name="state">
          <option value="">{t('syncs.filter.all')}</option>
          {FILTER_STATES.map((s) => (
            <option value={s} selected={p.filter.state === s}>
              {t(`state.${s}`)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="btn">
        {t('syncs.filter.apply')}
      </button>
      {p.filter.q || p.filter.state ? (
        <a href="/syncs" class="btn">
          {t('syncs.filter.reset')}
        </a>
      ) : null}
      <p class="muted" role="status">
        {t('syncs.filter.count', { shown: p.shown, total: p.total })}
      </p>
    </form>
  )
}

/** The sync list page. */
export function SyncsPage(p: {
  t: T
  locale: Locale
  syncs: SyncRow[]
  hasAccounts: boolean
  /** Whether a real run has finished (the first-run checklist's last step). */
  firstRunDone?: boolean
  filter?: SyncFilter
}) {
  const { t } = p
  const filter = p.filter ?? {}
  const filtering = p.syncs.length >= FILTER_FROM || Boolean(filter.q || filter.state)
  const rows = filtering ? filterSyncs(t, p.syncs, filter) : p.syncs
  return (
    <>
      <h1>{t('syncs.title')}</h1>
      {p.firstRunDone === undefined ? null : (
        <FirstRunChecklist
          t={t}
          hasAccount={p.hasAccounts}
          hasSync={p.syncs.length > 0}
          firstRunDone={p.firstRunDone}
        />
      )}
      <div class="toolbar">
        {p.hasAccounts ? (
          <a class="btn btn-primary" href="/syncs/new">
            {t('syncs.create')}
          </a>
        ) : (
          <Alert kind="info">
            <a href="/accounts/new">{t('syncs.needAccount')}</a>
          </Alert>
        )}
      </div>
      {filtering ? (
        <FilterForm t={t} filter={filter} shown={rows.length} total={p.syncs.length} />
      ) : null}
      {p.syncs.length === 0 ? (
        <p class="muted">{t('syncs.empty')}</p>
      ) : (
        <TableWrap t={t} label={t('syncs.title')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('syncs.col.segment')}</th>
                <th scope="col">{t('syncs.col.list')}</th>
                <th scope="col" class="hide-narrow">
                  {t('syncs.col.mode')}
                </th>
                <th scope="col">{t('syncs.col.state')}</th>
                <th scope="col">{t('syncs.col.last')}</th>
                <th scope="col" class="hide-narrow">
                  {t('syncs.col.next')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr data-sync-id={String(s.id)}>
                  <td>
                    <a href={`/syncs/${s.id}`}>{sourceLabel(t, s)}</a>
                  </td>
                  <td>{targetLabel(t, s)}</td>
                  <td class="hide-narrow">{t(`mode.${s.mode}`)}</td>
                  <td>
                    <StateBadge t={t} state={syncViewState(s, s.lastRun)} />
                    {s.lastRun ? (
                      <LiveProgress
                        t={t}
                        locale={p.locale}
                        run={s.lastRun}
                        pollUrl={`/syncs/${s.id}/progress`}
                      />
                    ) : null}
                  </td>
                  <td>
                    {s.lastRun && !isRunActive(s.lastRun) ? (
                      <span class="muted last-at">
                        {formatTime(p.locale, s.lastRun.finishedAt ?? s.lastRun.createdAt)}
                      </span>
                    ) : null}
                    {lastResult(t, p.locale, s.lastRun)}
                  </td>
                  <td class="hide-narrow">{nextRunLabel(t, p.locale, s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  )
}
