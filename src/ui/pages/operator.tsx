/**
 * The hosting operator's overview page: tenants by state and those needing attention, runs failing
 * in the last day, the run backlog and the oldest running run, and recent registrations. A page of
 * its own (no shop menu, no tenant), in English: it is for whoever runs the deployment. Pure.
 */
import type { OperatorOverview } from '../../operator/overview'

function when(ms: number, now: number): string {
  const ago = Math.max(0, Math.round((now - ms) / 60_000))
  const iso = new Date(ms).toISOString().replace('T', ' ').slice(0, 16)
  return `${iso} UTC (${ago < 120 ? `${ago} min` : `${Math.round(ago / 60)} h`} ago)`
}

/** One of the page's tables: a header row and plain-text cells. */
function DataTable(p: { head: string[]; rows: (string | number)[][] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {p.head.map((h) => (
              <th>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr>
              {r.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The whole document. */
export function OperatorPage({ o, now }: { o: OperatorOverview; now: number }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>Operator · Unisender segment export</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <main id="main" class="operator">
          <h1>Operator overview</h1>
          <section>
            <h2>Tenants</h2>
            <p>
              Live {o.tenants.live} · switched off in the marketplace {o.tenants.switchedOff} · key
              refused {o.tenants.broken} · address move pending {o.tenants.movePending} · keys
              deleted after 30 days off {o.tenants.keysDeleted} · CRM refused the last notification{' '}
              {o.tenants.notificationsRefused}
            </p>
            {o.attention.length > 0 ? (
              <DataTable
                head={['Tenant', 'CRM', 'State', 'Since']}
                rows={o.attention.map((t) => [t.id, t.host, t.state, when(t.since, now)])}
              />
            ) : (
              <p>Every tenant is live.</p>
            )}
          </section>
          <section>
            <h2>Runs</h2>
            <p>
              Queued {o.backlog.queued} · running {o.backlog.running} · waiting for confirmation{' '}
              {o.backlog.needsConfirmation} · syncs due, not started yet {o.backlog.dueMarks}
            </p>
            <p class="hint">
              Backlog is approximate: a Worker cannot read the queue's depth, so this counts runs
              queued or running and the due marks the scheduler has yet to start.
            </p>
            <h3>Syncs failing now</h3>
            {o.syncsNeedingAttention.length > 0 ? (
              <ul>
                {o.syncsNeedingAttention.map((s) => (
                  <li>
                    {s.state}: {s.n}
                  </li>
                ))}
              </ul>
            ) : (
              <p>None.</p>
            )}
            <p>
              Oldest running run:{' '}
              {o.oldestRunning
                ? `#${o.oldestRunning.runId} of tenant ${o.oldestRunning.tenantId}, since ${when(o.oldestRunning.since, now)}`
                : 'none'}
            </p>
            <h3>Failed in the last 24 h</h3>
            {o.failing.length > 0 ? (
              <ul>
                {o.failing.map((f) => (
                  <li>
                    {f.code}: {f.count}
                  </li>
                ))}
              </ul>
            ) : (
              <p>None.</p>
            )}
            {o.recentFailures.length > 0 ? (
              <DataTable
                head={['Run', 'Tenant', 'Reason', 'At']}
                rows={o.recentFailures.map((r) => [r.runId, r.tenantId, r.code, when(r.at, now)])}
              />
            ) : null}
          </section>
          <section>
            <h2>Registrations</h2>
            <p>
              Last 24 h:{' '}
              {o.registrationsDay.length > 0
                ? o.registrationsDay.map((r) => `${r.outcome} ${r.n}`).join(' · ')
                : 'none'}
            </p>
            {o.registrations.length > 0 ? (
              <DataTable
                head={['At', 'CRM address', 'Outcome', 'Tenant']}
                rows={o.registrations.map((r) => [
                  when(r.at, now),
                  r.systemUrl,
                  r.outcome,
                  r.tenantId ?? '—',
                ])}
              />
            ) : null}
          </section>
        </main>
      </body>
    </html>
  )
}
