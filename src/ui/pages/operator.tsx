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
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Tenant</th>
                      <th>CRM</th>
                      <th>State</th>
                      <th>Since</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.attention.map((t) => (
                      <tr>
                        <td>{t.id}</td>
                        <td>{t.host}</td>
                        <td>{t.state}</td>
                        <td>{when(t.since, now)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
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
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>Run</th>
                      <th>Tenant</th>
                      <th>Reason</th>
                      <th>At</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.recentFailures.map((r) => (
                      <tr>
                        <td>{r.runId}</td>
                        <td>{r.tenantId}</td>
                        <td>{r.code}</td>
                        <td>{when(r.at, now)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
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
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th>At</th>
                      <th>CRM address</th>
                      <th>Outcome</th>
                      <th>Tenant</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.registrations.map((r) => (
                      <tr>
                        <td>{when(r.at, now)}</td>
                        <td>{r.systemUrl}</td>
                        <td>{r.outcome}</td>
                        <td>{r.tenantId ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </section>
        </main>
      </body>
    </html>
  )
}
