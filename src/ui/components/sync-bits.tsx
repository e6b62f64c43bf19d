/** Small pieces shown wherever a sync or run appears: state badge, live progress, duration, date. */
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type T } from '../../i18n'
import { retryDueAt } from '../../sync'
import { durationParts, isRunActive, progressOf, type SyncViewState } from '../sync-view'

/** The coloured state of a sync. */
export function StateBadge(p: { t: T; state: SyncViewState }) {
  return <span class={`badge badge-${p.state}`}>{p.t(`state.${p.state}`)}</span>
}

/**
 * Progress label text, shared with the JSON progress endpoint (so the live page follows it). While
 * the current step backs off, it also says until when, so a run that waits is not taken for stuck.
 */
export function progressLabel(t: T, locale: Locale, run: Run): string {
  const { done, total } = progressOf(run)
  const progress = total
    ? t('progress.label', { done: formatNumber(locale, done), total: formatNumber(locale, total) })
    : t('progress.unknown')
  const retryAt = isRunActive(run) ? retryDueAt(run.cursor) : null
  if (retryAt === null) return progress
  return `${progress} · ${t('progress.retryAt', { time: formatClock(locale, retryAt) })}`
}

/**
 * A progress bar that app.js refreshes from `pollUrl` while the run is active (no inline script;
 * without JS the bar shows the state at page load).
 */
export function LiveProgress(p: { t: T; locale: Locale; run: Run; pollUrl: string }) {
  if (!isRunActive(p.run)) return null
  const { done, total } = progressOf(p.run)
  return (
    <div class="progress" data-progress-url={p.pollUrl}>
      <progress
        max={total || 1}
        value={total ? done : undefined}
        aria-label={p.t('state.running')}
      />
      <span class="muted" data-progress-label aria-live="polite">
        {progressLabel(p.t, p.locale, p.run)}
      </span>
    </div>
  )
}

/** "1 мин 5 с" etc. */
export function formatDuration(t: T, run: Run, now: number): string {
  const d = durationParts(run, now)
  if (!d) return t('common.none')
  if (d.h) return t('runs.duration.h', { h: d.h, m: d.m })
  if (d.m) return t('runs.duration.m', { m: d.m, s: d.s })
  return t('runs.duration.s', { s: d.s })
}

/** Time of day in Moscow time, like formatTime without the date, e.g. 15:04. */
export function formatClock(locale: Locale, ms: number): string {
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    timeStyle: 'short',
    timeZone: 'Europe/Moscow',
  }).format(ms)
}

/** Date and time in Moscow time (the CRM's usual zone), e.g. 26.11.2026, 15:04. */
export function formatTime(locale: Locale, ms: number | null | undefined): string {
  if (!ms) return '—'
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Europe/Moscow',
  }).format(ms)
}
