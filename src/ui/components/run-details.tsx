/**
 * One run on the sync page: what started it, how long it took, every count of the run, its error
 * (with "Проверьте ваш тарифный план" for plan-limit failures), the removal-guard question, and the
 * rejected contacts with their reasons and a CSV link.
 */
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type MessageKey, type T } from '../../i18n'
import { parseCounts, REJECT_REASONS, type RunCounts } from '../../sync'
import { isRunActive } from '../sync-view'
import { Alert } from './alert'
import { PostButton } from './fields'
import { formatDuration, formatTime, LiveProgress } from './sync-bits'
import { TableWrap } from './table'

export interface Reject {
  email: string
  reason: string
  detail: string | null
}

const COUNT_KEYS: (keyof RunCounts)[] = [
  'readFromCrm',
  'listBefore',
  'added',
  'removed',
  'fieldsUpdated',
  'unchanged',
  'skippedUnsubscribed',
  'skippedOptedOut',
  'invalid',
  'duplicates',
]
const TRIGGERS = ['create', 'edit', 'manual', 'schedule', 'change', 'reconcile']
const ERROR_CODES = [
  'account_deleted',
  'crm_auth',
  'tenant_inactive',
  'unisender_auth',
  'no_segment',
  'segment_missing',
  'crm_error',
  'unisender_error',
  'gave_up',
  'queue_unavailable',
]

/** What the user should do about a failed run, by the engine's error code. */
export function runErrorText(t: T, code: string | null): string {
  return code && ERROR_CODES.includes(code)
    ? t(`runError.${code}` as MessageKey)
    : t('runError.other')
}

/** The translated reason of a reject code (unknown codes are shown as they are). */
export function reasonText(t: T, code: string): string {
  return (REJECT_REASONS as readonly string[]).includes(code)
    ? t(`reason.${code}` as MessageKey)
    : code
}

/**
 * The detail of a reject in the UI's language: the CRM customer's number, or what Unisender's
 * (English) message means; a message not recognised is quoted as Unisender's answer.
 */
export function rejectDetail(t: T, detail: string | null): string | null {
  if (!detail) return null
  const customer = /^customer (\d+)$/.exec(detail)
  if (customer) return t('reject.detail.customer', { id: customer[1]! })
  if (/field|поле/i.test(detail)) return t('reject.detail.field', { message: detail })
  if (/role|ролев/i.test(detail)) return t('reject.detail.role')
  if (/unsubscrib|отпис/i.test(detail)) return t('reject.detail.unsubscribed')
  if (/invalid|incorrect|malformed|некоррект/i.test(detail)) return t('reject.detail.invalid')
  return t('reject.detail.unisender', { message: detail })
}

/** The counts a run shows: only those that describe what its sync's mode does. */
function countKeys(run: Run, mode: string | undefined): (keyof RunCounts)[] {
  const incremental = run.kind === 'incremental' && !run.dryRun
  // An incremental run reads neither the whole list nor the whole segment: no list size to show.
  const keys: (keyof RunCounts)[] = run.dryRun
    ? [
        'readFromCrm',
        'listBefore',
        'plannedAdd',
        'plannedRemove',
        'plannedUpdate',
        ...COUNT_KEYS.slice(COUNT_KEYS.indexOf('unchanged')),
      ]
    : incremental
      ? COUNT_KEYS.filter((k) => k !== 'listBefore' && k !== 'unchanged')
      : COUNT_KEYS
  // Subtraction never adds and removes every address of the segment, opted-out ones included.
  const notInSubtraction: (keyof RunCounts)[] = [
    'added',
    'plannedAdd',
    'fieldsUpdated',
    'plannedUpdate',
    'skippedUnsubscribed',
    'skippedOptedOut',
  ]
  return mode === 'subtract' ? keys.filter((k) => !notInSubtraction.includes(k)) : keys
}

/** The most rejects a run keeps (src/sync/state.ts REJECT_CAP): the CSV holds no more. */
const REJECTS_KEPT = 1000

/** The translated trigger of a run. */
export function triggerText(t: T, trigger: string): string {
  return TRIGGERS.includes(trigger) ? t(`trigger.${trigger}` as MessageKey) : trigger
}

/** The plan-limit warning of the help article. */
/** The plan shortfall in words: "need N, left M of T" (shared by the form and the sync page). */
export function planNumbers(
  t: T,
  locale: Locale,
  plan: { need: number; left: number; total: number }
): string {
  return t('plan.numbers', {
    need: formatNumber(locale, plan.need),
    left: formatNumber(locale, plan.left),
    total: formatNumber(locale, plan.total),
  })
}

export function PlanWarning(p: { t: T; numbers?: string }) {
  return (
    <Alert kind="warning" title={p.t('plan.title')}>
      <p>{p.t('plan.text')}</p>
      {p.numbers ? <p>{p.numbers}</p> : null}
    </Alert>
  )
}

export interface RunDetailsProps {
  t: T
  locale: Locale
  run: Run
  syncId: number
  csrf: string
  guardPercent: number
  /** The sync's mode: which counts describe what the run did. */
  mode?: string
  rejects: Reject[]
  rejectCount: number
  now: number
  open?: boolean
}

/** The run block. */
export function RunDetails(p: RunDetailsProps) {
  const { t, run } = p
  const counts = parseCounts(run.counts)
  const n = (x: number) => formatNumber(p.locale, x)
  const incremental = run.kind === 'incremental' && !run.dryRun
  const keys = countKeys(run, p.mode)
  // The run kept at most REJECTS_KEPT rejects; its counts say how many there were in all.
  const capped = p.rejectCount >= REJECTS_KEPT
  const skippedInAll =
    counts.invalid + counts.skippedUnsubscribed + counts.skippedOptedOut + counts.duplicates
  const rejectTotal = capped ? Math.max(p.rejectCount, skippedInAll) : p.rejectCount
  const base = `/syncs/${p.syncId}/runs/${run.id}`
  return (
    <details class="run" open={p.open} id={`run-${run.id}`}>
      <summary>
        {formatTime(p.locale, run.startedAt ?? run.createdAt)} · {triggerText(t, run.trigger)}
        {run.dryRun ? ` · ${t('runs.dry')}` : ''}
        {incremental ? ` · ${t('runs.incremental')}` : ''} · {t(`status.${run.status}`)} ·{' '}
        {formatDuration(t, run, p.now)}
      </summary>
      <LiveProgress t={t} locale={p.locale} run={run} pollUrl={`/syncs/${p.syncId}/progress`} />
      {run.status === 'needs_confirmation' ? (
        <Alert kind="warning" title={t('guard.title')}>
          <p>
            {t('guard.text', {
              remove: n(counts.plannedRemove),
              listBefore: n(counts.listBefore),
              percent: p.guardPercent,
            })}
          </p>
          <div class="toolbar">
            <PostButton
              action={`${base}/confirm`}
              csrf={p.csrf}
              label={t('guard.confirm')}
              kind="primary"
            />
            <PostButton action={`${base}/cancel`} csrf={p.csrf} label={t('guard.cancel')} />
          </div>
        </Alert>
      ) : null}
      {run.errorCode === 'plan_limit' ? <PlanWarning t={t} /> : null}
      {run.status === 'failed' && run.errorCode !== 'plan_limit' ? (
        <Alert kind="error" title={runErrorText(t, run.errorCode)}>
          {run.errorMessage ? t('runError.detail', { message: run.errorMessage }) : null}
        </Alert>
      ) : null}
      {run.status === 'failed' && run.errorCode === 'plan_limit' && run.errorMessage ? (
        <p class="muted">{t('runError.detail', { message: run.errorMessage })}</p>
      ) : null}
      {run.additionsOnly ? <Alert kind="info">{t('runs.additionsOnly')}</Alert> : null}
      {incremental && run.status === 'done' ? (
        <p class="muted">{t('runs.incrementalNote', { count: n(counts.readFromCrm) })}</p>
      ) : null}
      {run.status === 'done' && run.errorMessage ? (
        <Alert kind="info">{t('runs.note', { message: run.errorMessage })}</Alert>
      ) : null}
      {/* While the run is active the progress line says what it does; counts come at the end. */}
      {isRunActive(run) ? null : (
        <dl class="counts">
          {keys.map((k) => (
            <>
              <dt>{t(`counts.${k}`)}</dt>
              <dd>{n(counts[k])}</dd>
            </>
          ))}
        </dl>
      )}
      {p.rejectCount > 0 ? (
        <section>
          <h3>
            {t('runs.rejects', { count: n(rejectTotal) })} ·{' '}
            <a href={`${base}/rejects.csv`} download>
              {t('runs.rejectsCsv')}
            </a>
          </h3>
          {p.rejects.length < rejectTotal ? (
            <p class="muted" data-rejects-note>
              {capped && p.rejectCount < rejectTotal
                ? t('runs.rejectsCapped', {
                    shown: n(p.rejects.length),
                    count: n(rejectTotal),
                    csv: n(p.rejectCount),
                  })
                : t('runs.rejectsTable', { shown: n(p.rejects.length), count: n(rejectTotal) })}
            </p>
          ) : null}
          <TableWrap t={t} label={t('runs.rejects', { count: n(rejectTotal) })}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('runs.col.email')}</th>
                  <th scope="col">{t('runs.col.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {p.rejects.map((r) => (
                  <tr>
                    <td>{r.email}</td>
                    <td>
                      {reasonText(t, r.reason)}
                      {r.detail ? <span class="muted"> ({rejectDetail(t, r.detail)})</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      ) : null}
    </details>
  )
}
