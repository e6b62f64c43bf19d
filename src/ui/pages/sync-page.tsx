/**
 * One sync: its settings, state and actions (run now, dry run, pause/resume, edit, delete), the
 * draft banner of a pre-save dry run, and the run history with every count and reject.
 */
import type { SyncRow } from '../../db/queries/syncs'
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type T } from '../../i18n'
import { Alert } from '../components/alert'
import { Csrf, PostButton } from '../components/fields'
import { ListChart } from '../components/list-chart'
import { PlanWarning, planNumbers, type Reject, RunDetails } from '../components/run-details'
import { StateBadge } from '../components/sync-bits'
import { syncViewState } from '../sync-view'
import { nextRunLabel, sourceLabel, targetLabel } from './syncs-list'

export interface SyncPageProps {
  t: T
  locale: Locale
  csrf: string
  sync: SyncRow
  runs: Run[]
  rejects: Map<number, Reject[]>
  rejectCounts: Map<number, number>
  /** First emails the latest dry run would add and remove. */
  sample?: { adds: string[]; removes: string[]; updates?: string[] }
  /** The latest dry run would add more contacts than the plan has room for. */
  plan?: { need: number; left: number; total: number }
  /** The list's page in Unisender (src/accounts/list-link.ts), once the list exists. */
  listUrl?: string | null
  now: number
}

function Sample(p: { t: T; sample: { adds: string[]; removes: string[]; updates?: string[] } }) {
  const { t } = p
  const updates = p.sample.updates ?? []
  if (!p.sample.adds.length && !p.sample.removes.length && !updates.length) return null
  return (
    <section class="card">
      <h2>{t('runs.sample')}</h2>
      {p.sample.adds.length ? (
        <>
          <h3>{t('runs.sampleAdd')}</h3>
          <ul>
            {p.sample.adds.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </>
      ) : null}
      {p.sample.removes.length ? (
        <>
          <h3>{t('runs.sampleRemove')}</h3>
          <ul>
            {p.sample.removes.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </>
      ) : null}
      {updates.length ? (
        <>
          <h3>{t('runs.sampleUpdate')}</h3>
          <ul>
            {updates.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  )
}

const PAUSE_REASONS = ['user', 'account_deleted', 'draft', 'crm_broken'] as const

function PausedNote(p: { t: T; reason: string | null }) {
  const r = PAUSE_REASONS.find((x) => x === p.reason) ?? 'user'
  if (r === 'draft') return null
  return <Alert kind={r === 'user' ? 'info' : 'warning'}>{p.t(`paused.${r}`)}</Alert>
}

function Actions(p: { t: T; csrf: string; sync: SyncRow }) {
  const { t, sync } = p
  const base = `/syncs/${sync.id}`
  if (sync.pausedReason === 'draft') {
    return (
      <div class="toolbar">
        <PostButton
          action={`${base}/activate`}
          csrf={p.csrf}
          label={t('sync.activate')}
          kind="primary"
        />
        <PostButton action={`${base}/dry-run`} csrf={p.csrf} label={t('sync.dryRun')} />
        <a class="btn" href={`${base}/edit`}>
          {t('common.edit')}
        </a>
        <a class="btn btn-danger" href={`${base}/delete`}>
          {t('sync.discardDraft')}
        </a>
      </div>
    )
  }
  return (
    <div class="toolbar">
      <PostButton action={`${base}/run`} csrf={p.csrf} label={t('sync.runNow')} kind="primary" />
      <PostButton action={`${base}/dry-run`} csrf={p.csrf} label={t('sync.dryRun')} />
      {sync.state === 'active' ? (
        <PostButton action={`${base}/pause`} csrf={p.csrf} label={t('sync.pause')} />
      ) : (
        <PostButton action={`${base}/resume`} csrf={p.csrf} label={t('sync.resume')} />
      )}
      <a class="btn" href={`${base}/edit`}>
        {t('common.edit')}
      </a>
      <a class="btn btn-danger" href={`${base}/delete`}>
        {t('common.delete')}
      </a>
    </div>
  )
}

/** The removal guard's rule in words, with a small form to change its threshold for this sync. */
function GuardSettings(p: { t: T; locale: Locale; csrf: string; sync: SyncRow }) {
  const { t, sync } = p
  if (sync.mode === 'union') return null // union never removes
  return (
    <section class="card" id="guard" aria-labelledby="guard-title">
      <h2 id="guard-title">{t('guard.settings')}</h2>
      <p>
        {t('guard.rule', {
          percent: sync.guardPercent,
          min: formatNumber(p.locale, sync.guardMinCount),
        })}
      </p>
      <form method="post" action={`/syncs/${sync.id}/guard`} class="guard-form">
        <Csrf token={p.csrf} />
        <div class="field">
          <label for="guardPercent">{t('guard.percent')}</label>
          <input
            id="guardPercent"
            name="guardPercent"
            type="number"
            min="1"
            max="100"
            required
            value={String(sync.guardPercent)}
          />
        </div>
        <div class="field">
          <label for="guardMinCount">{t('guard.min')}</label>
          <input
            id="guardMinCount"
            name="guardMinCount"
            type="number"
            min="1"
            max="1000000"
            required
            value={String(sync.guardMinCount)}
          />
        </div>
        <button type="submit" class="btn">
          {t('guard.save')}
        </button>
      </form>
    </section>
  )
}

/** The sync page. */
export function SyncPage(p: SyncPageProps) {
  const { t, sync } = p
  return (
    <>
      <h1>{t('sync.title', { segment: sourceLabel(t, sync), list: targetLabel(t, sync) })}</h1>
      {sync.pausedReason === 'draft' ? (
        <Alert kind="info" title={t('state.draft')}>
          {t('paused.draft')} {t('form.dryRunHelp')}
        </Alert>
      ) : null}
      {sync.state === 'paused' ? <PausedNote t={t} reason={sync.pausedReason} /> : null}
      <dl class="meta card">
        <dt>{t('sync.account')}</dt>
        <dd>{sync.accountLogin ?? t('common.none')}</dd>
        <dt>{t('sync.list')}</dt>
        <dd>
          {targetLabel(t, sync)}
          {sync.listId != null ? ` (${t('sync.listId', { id: sync.listId })})` : null}
          {p.listUrl ? (
            <>
              {' · '}
              <a href={p.listUrl} target="_blank" rel="noopener noreferrer">
                {t('sync.listOpen')}
              </a>
            </>
          ) : null}
        </dd>
        <dt>{t('sync.mode')}</dt>
        <dd>{t(`mode.${sync.mode}`)}</dd>
        <dt>{t('sync.state')}</dt>
        <dd>
          <StateBadge t={t} state={syncViewState(sync, sync.lastRun)} />
        </dd>
        <dt>{t('sync.next')}</dt>
        <dd>{nextRunLabel(t, p.locale, sync)}</dd>
      </dl>
      {p.plan ? <PlanWarning t={t} numbers={planNumbers(t, p.locale, p.plan)} /> : null}
      <Actions t={t} csrf={p.csrf} sync={sync} />
      {p.sample ? <Sample t={t} sample={p.sample} /> : null}
      <ListChart t={t} locale={p.locale} runs={p.runs} />
      <GuardSettings t={t} locale={p.locale} csrf={p.csrf} sync={sync} />
      <h2>{t('runs.title')}</h2>
      {p.runs.length === 0 ? <p class="muted">{t('runs.empty')}</p> : null}
      {p.runs.map((r, i) => (
        <RunDetails
          t={t}
          locale={p.locale}
          run={r}
          syncId={sync.id}
          csrf={p.csrf}
          guardPercent={sync.guardPercent}
          mode={sync.mode}
          rejects={p.rejects.get(r.id) ?? []}
          rejectCount={p.rejectCounts.get(r.id) ?? 0}
          now={p.now}
          open={i === 0}
        />
      ))}
    </>
  )
}

/** Confirmation before deleting a sync: the Unisender list is never deleted. */
export function SyncDeletePage(p: { t: T; csrf: string; sync: SyncRow }) {
  const { t, sync } = p
  return (
    <>
      <h1>{t('sync.deleteTitle')}</h1>
      <Alert kind="warning">
        {t('sync.deleteText', { segment: sourceLabel(t, sync), list: sync.listTitle })}
      </Alert>
      <form method="post" action={`/syncs/${sync.id}/delete`} class="toolbar">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <button type="submit" class="btn btn-danger">
          {t('sync.deleteConfirm')}
        </button>
        <a class="btn" href={`/syncs/${sync.id}`}>
          {t('common.cancel')}
        </a>
      </form>
    </>
  )
}
