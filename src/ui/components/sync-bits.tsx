/** Small pieces shown wherever a sync or run appears: state badge, live progress, duration, date. */
import { createContext, useContext } from 'hono/jsx'
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type T, translator } from '../../i18n'
import { parseCounts, retryDueAt } from '../../sync'
import {
  durationParts,
  isRunActive,
  type RunProgress,
  runProgress,
  type SyncViewState,
} from '../sync-view'

/** The coloured state of a sync. */
export function StateBadge(p: { t: T; state: SyncViewState }) {
  return <span class={`badge badge-${p.state}`}>{p.t(`state.${p.state}`)}</span>
}

/** What the run is doing, in words, with its units: "Чтение RetailCRM: 2 500 из 7 180 покупателей". */
function stageText(t: T, locale: Locale, p: RunProgress): string {
  const n = (x: number) => formatNumber(locale, x)
  switch (p.stage) {
    case 'waiting':
      return t('progress.waiting')
    case 'read_crm':
      return p.total === null
        ? t('progress.readCrmStart')
        : t('progress.readCrm', { done: n(p.done), total: n(p.total) })
    case 'shared_wait':
      return t('progress.sharedWait')
    case 'incremental':
      return t('progress.incremental', { done: n(p.done) })
    case 'export_wait':
      return t('progress.exportWait')
    case 'read_list':
      return t('progress.readList', {
        mb: new Intl.NumberFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
          maximumFractionDigits: 1,
        }).format(p.bytes / 1_000_000),
      })
    case 'diff':
      return t('progress.diff', { done: n(p.done), total: n(p.total ?? 0) })
    case 'check':
      return t('progress.check')
    case 'write':
      return t('progress.write', { done: n(p.done), total: n(p.total ?? 0) })
    default:
      return t('progress.finishing')
  }
}

/** The progress of a run as the page and the JSON endpoint show it. */
export function runProgressOf(run: Run, now: number): RunProgress {
  return runProgress(run, parseCounts(run.counts), now)
}

/**
 * Progress label text, shared with the JSON progress endpoint (so the live page follows it): the
 * stage in words with its units, how long the run has been going and about how long is left. While
 * the current step backs off, it also says until when, so a run that waits is not taken for stuck.
 */
export function progressLabel(t: T, locale: Locale, run: Run, now = Date.now()): string {
  const p = runProgressOf(run, now)
  const parts = [stageText(t, locale, p)]
  if (p.elapsedMs !== null && isRunActive(run))
    parts.push(t('progress.elapsed', { time: formatMs(t, p.elapsedMs) }))
  if (p.remainingMs !== null && isRunActive(run))
    parts.push(t('progress.eta', { time: formatMs(t, roundUpRemaining(p.remainingMs)) }))
  const retryAt = isRunActive(run) ? retryDueAt(run.cursor) : null
  if (retryAt !== null) parts.push(t('progress.retryAt', { time: formatClock(locale, retryAt) }))
  return parts.join(' · ')
}

/** An estimate is rough: whole minutes above one minute, tens of seconds below. */
function roundUpRemaining(ms: number): number {
  return ms > 60_000 ? Math.ceil(ms / 60_000) * 60_000 : Math.ceil(ms / 10_000) * 10_000
}

/**
 * A progress bar (0–100 % of the whole run, never moving back) that app.js refreshes from
 * `pollUrl` while the run is active (no inline script; without JS it shows the state at page load).
 */
export function LiveProgress(p: { t: T; locale: Locale; run: Run; pollUrl: string; now?: number }) {
  if (!isRunActive(p.run)) return null
  const now = p.now ?? Date.now()
  const progress = runProgressOf(p.run, now)
  return (
    <div class="progress" data-progress-url={p.pollUrl}>
      <progress
        max={100}
        value={progress.stage === 'waiting' ? undefined : Math.round(progress.fraction * 100)}
        aria-label={p.t('progress.bar')}
      />
      <span class="muted" data-progress-label aria-live="polite">
        {progressLabel(p.t, p.locale, p.run, now)}
      </span>
    </div>
  )
}

/** "1 мин 5 с" etc. */
export function formatDuration(t: T, run: Run, now: number): string {
  const d = durationParts(run, now)
  if (!d) return t('common.none')
  return formatParts(t, d)
}

/** A span of milliseconds as "1 мин 5 с". */
export function formatMs(t: T, ms: number): string {
  const total = Math.round(ms / 1000)
  return formatParts(t, {
    h: Math.floor(total / 3600),
    m: Math.floor((total % 3600) / 60),
    s: total % 60,
  })
}

function formatParts(t: T, d: { h: number; m: number; s: number }): string {
  if (d.h) return t('runs.duration.h', { h: d.h, m: d.m })
  if (d.m) return t('runs.duration.m', { m: d.m, s: d.s })
  return t('runs.duration.s', { s: d.s })
}

/**
 * The shop's time zone for this render (the CRM's, tenants.time_zone), provided once by the page
 * renderer so that every time on a page is the shop's own without threading it through each prop.
 */
export const ShopTimeZone = createContext<string | null>(null)

/** Moscow is RetailCRM's usual zone: used (and labelled) while the CRM's own is unknown. */
const MOSCOW = 'Europe/Moscow'

/**
 * The zone to show (`given`, else the current render's) and its label: МСК / MSK for Moscow, else
 * the UTC offset.
 */
function shopZone(
  locale: Locale,
  at: number,
  given?: string | null
): { zone: string; label: string } {
  const zone = given ?? useContext(ShopTimeZone) ?? MOSCOW
  if (zone === MOSCOW) return { zone, label: translator(locale)('time.zone') }
  const part = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')
  return { zone, label: part?.value ?? zone }
}

/** Time of day in the shop's time zone with the zone said, e.g. 15:04 МСК or 17:04 GMT+5. */
export function formatClock(locale: Locale, ms: number): string {
  const { zone, label } = shopZone(locale, ms)
  const clock = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    timeStyle: 'short',
    timeZone: zone,
  }).format(ms)
  return `${clock} ${label}`
}

/**
 * Date and time in the shop's time zone with the zone said, e.g. 26.11.2026, 15:04 МСК. `zone`
 * is for times formatted outside a page render (else the render's ShopTimeZone is used).
 */
export function formatTime(
  locale: Locale,
  ms: number | null | undefined,
  zone?: string | null
): string {
  if (!ms) return '—'
  const { zone: z, label } = shopZone(locale, ms, zone)
  const when = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: z,
  }).format(ms)
  return `${when} ${label}`
}
