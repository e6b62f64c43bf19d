/**
 * A small server-rendered SVG of a sync's kept history (issue #13): the list's size after each
 * finished run (line) and each run's additions (green, above the axis) and removals (red, below).
 * No script; each point has a <title> for a tooltip, and the figure a text summary for screen
 * readers.
 */
import type { Run } from '../../db/schema'
import { formatNumber, type Locale, type T } from '../../i18n'
import { parseCounts } from '../../sync'
import { formatTime } from './sync-bits'

export interface ChartPoint {
  at: number
  size: number
  added: number
  removed: number
}

/**
 * The points of the chart, oldest first: finished real runs only (dry runs change nothing). A full
 * run knows the list's size before it; an incremental one carries the previous size forward.
 */
export function chartPoints(runs: Run[]): ChartPoint[] {
  const out: ChartPoint[] = []
  const done = runs
    .filter((r) => r.status === 'done' && !r.dryRun)
    .sort((a, b) => (a.finishedAt ?? a.createdAt) - (b.finishedAt ?? b.createdAt))
  for (const r of done) {
    const c = parseCounts(r.counts)
    const prev = out.at(-1)?.size
    const before = r.kind === 'incremental' ? prev : c.listBefore
    if (before === undefined) continue
    out.push({
      at: r.finishedAt ?? r.createdAt,
      size: Math.max(0, before + c.added - c.removed),
      added: c.added,
      removed: c.removed,
    })
  }
  return out
}

const W = 640
const H = 180
const PAD = 8
/** Top part: the size line; bottom part: the change bars around an axis. */
const LINE_H = 90
const BARS_TOP = LINE_H + 16

export function ListChart(p: { t: T; locale: Locale; runs: Run[] }) {
  const { t } = p
  const pts = chartPoints(p.runs)
  if (pts.length < 2) return null
  const n = (x: number) => formatNumber(p.locale, x)
  const sizes = pts.map((x) => x.size)
  const min = Math.min(...sizes)
  const max = Math.max(...sizes)
  const span = Math.max(1, max - min)
  const step = (W - 2 * PAD) / pts.length
  const cx = (i: number) => PAD + step * (i + 0.5)
  // A list whose size did not change is drawn as a level line in the middle.
  const cy = (size: number) =>
    PAD + (LINE_H - 2 * PAD) * (max === min ? 0.5 : 1 - (size - min) / span)
  const maxChange = Math.max(1, ...pts.map((x) => Math.max(x.added, x.removed)))
  const half = (H - BARS_TOP - PAD) / 2
  const axis = BARS_TOP + half
  const bar = (v: number) => (v > 0 ? Math.max(1, (half * v) / maxChange) : 0)
  const bw = Math.max(2, Math.min(24, step * 0.6))
  const summary = t('chart.summary', {
    runs: pts.length,
    min: n(min),
    max: n(max),
    last: n(sizes.at(-1)!),
  })
  return (
    <figure class="card chart">
      <figcaption>
        <h2>{t('chart.title')}</h2>
        <p class="muted">{summary}</p>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={summary}
        preserveAspectRatio="none"
        class="chart-svg"
      >
        <line x1={PAD} x2={W - PAD} y1={axis} y2={axis} class="chart-axis" />
        <polyline
          class="chart-line"
          fill="none"
          points={pts.map((x, i) => `${cx(i).toFixed(1)},${cy(x.size).toFixed(1)}`).join(' ')}
        />
        {pts.map((x, i) => (
          <g>
            <title>
              {t('chart.point', {
                time: formatTime(p.locale, x.at),
                size: n(x.size),
                added: n(x.added),
                removed: n(x.removed),
              })}
            </title>
            <circle cx={cx(i).toFixed(1)} cy={cy(x.size).toFixed(1)} r="3" class="chart-dot" />
            {x.added > 0 ? (
              <rect
                class="chart-added"
                x={(cx(i) - bw / 2).toFixed(1)}
                y={(axis - bar(x.added)).toFixed(1)}
                width={bw.toFixed(1)}
                height={bar(x.added).toFixed(1)}
              />
            ) : null}
            {x.removed > 0 ? (
              <rect
                class="chart-removed"
                x={(cx(i) - bw / 2).toFixed(1)}
                y={axis.toFixed(1)}
                width={bw.toFixed(1)}
                height={bar(x.removed).toFixed(1)}
              />
            ) : null}
          </g>
        ))}
      </svg>
      <p class="chart-legend muted">
        <span class="key key-size" /> {t('chart.legend.size')} · <span class="key key-added" />{' '}
        {t('chart.legend.added')} · <span class="key key-removed" /> {t('chart.legend.removed')}
      </p>
    </figure>
  )
}
