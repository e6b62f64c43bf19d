/**
 * The alert pass, run by the cron after each scheduler tick: for every sync (and every tenant's CRM
 * connection) it computes the state now, and where it differs from the state last notified it
 * records the new one with a conditional UPDATE — so of two overlapping ticks only one sends — and
 * then tells the shop inside RetailCRM (notifications/send). Mute, the chosen events and the chosen
 * recipients only decide whether and to whom the message goes; the state is recorded either way.
 * Best effort: a CRM that refuses is recorded on the tenant (tenants.notify_error) and shown on the
 * notification settings page; the banner in the module says the same thing regardless.
 */
import type { CrmNotification } from '../clients/retailcrm'
import type { CrmCredentials } from '../credentials/clients'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { alertText } from './messages'
import { allSyncAlerts, type SyncAlertRow } from './queries'
import {
  type AlertEvent,
  alertStateOf,
  chosenEvents,
  chosenUserIds,
  eventFor,
  notificationType,
} from './state'

export interface AlertDeps {
  d1: D1Database
  now: () => number
  /** The module's public origin, for the link in each message. */
  publicUrl: string
  /** Sends one notification through the tenant's own CRM client (src/credentials). */
  send: (tenant: CrmCredentials, n: CrmNotification) => Promise<void>
}

/** What one pass did, for the cron's log line and the tests. */
export interface AlertReport {
  sent: number
  refused: number
  /** State changes recorded without a message (muted, event not chosen, or nothing to say). */
  silent: number
}

interface TenantRow {
  id: number
  system_url: string
  crm_api_key_enc: string
  locale: string | null
  broken_reason: string | null
  alert_state: string | null
  notify_user_ids: string | null
  notify_events: string | null
}

/** Runs one pass over every tenant that still has its keys. Never throws for one tenant. */
export async function runAlerts(deps: AlertDeps): Promise<AlertReport> {
  const report: AlertReport = { sent: 0, refused: 0, silent: 0 }
  const { results: tenants } = await deps.d1
    .prepare(
      `SELECT id, system_url, crm_api_key_enc, locale, broken_reason, alert_state, notify_user_ids,
         notify_events FROM tenants WHERE crm_api_key_enc <> ''`
    )
    .all<TenantRow>()
  const byId = new Map(tenants.map((t) => [t.id, t]))

  for (const t of tenants) {
    const next = t.broken_reason ? 'crm_broken' : 'ok'
    const prev = t.alert_state ?? 'ok'
    if (prev === next) continue
    const won = await deps.d1
      .prepare('UPDATE tenants SET alert_state = ? WHERE id = ? AND alert_state IS ?')
      .bind(next, t.id, t.alert_state)
      .run()
    if (!won.meta.changes) continue
    const event: AlertEvent = next === 'ok' ? 'recovered' : 'broken'
    await deliver(deps, report, t, event, {
      syncId: null,
      segmentName: null,
      allCustomers: false,
      listTitle: '',
    })
  }

  for (const s of await allSyncAlerts(deps.d1)) {
    const t = byId.get(s.tenantId)
    if (!t) continue
    const next = alertStateOf(s)
    if ((s.alertState ?? 'idle') === next) continue
    const won = await deps.d1
      .prepare('UPDATE syncs SET alert_state = ? WHERE id = ? AND alert_state IS ?')
      .bind(next, s.id, s.alertState)
      .run()
    if (!won.meta.changes) continue
    const event = eventFor(s.alertState, next)
    // A refused CRM key is announced once for the tenant above, not once per sync.
    if (!event || s.alertMuted || next === 'crm_broken') {
      report.silent++
      continue
    }
    await deliver(deps, report, t, event, subject(s))
  }
  return report
}

function subject(s: SyncAlertRow) {
  return {
    syncId: s.id,
    segmentName: s.segmentName,
    allCustomers: s.allCustomers,
    listTitle: s.listTitle,
    reason: s.errorMessage,
  }
}

/** Sends one alert if the tenant chose its event; records a refusal or clears the last one. */
async function deliver(
  deps: AlertDeps,
  report: AlertReport,
  t: TenantRow,
  event: AlertEvent,
  s: Parameters<typeof alertText>[1]
): Promise<void> {
  if (!chosenEvents(t.notify_events).has(event)) {
    report.silent++
    return
  }
  const ids = chosenUserIds(t.notify_user_ids)
  const message = alertText(event, s, t.locale, deps.publicUrl)
  const n: CrmNotification = ids
    ? { type: notificationType(event), message, userIds: ids }
    : { type: notificationType(event), message, userGroups: ['superadmins'] }
  const started = deps.now()
  const tenant = { id: t.id, systemUrl: t.system_url, crmApiKeyEnc: t.crm_api_key_enc }
  try {
    await deps.send(tenant, n)
    report.sent++
    await deps.d1
      .prepare('UPDATE tenants SET notify_error = NULL, notify_error_at = NULL WHERE id = ?')
      .bind(t.id)
      .run()
    log.info('alert_sent', {
      tenant: t.id,
      sync: s.syncId,
      phase: event,
      duration: deps.now() - started,
    })
  } catch (err) {
    report.refused++
    const why = errorText(err).slice(0, 300)
    await deps.d1
      .prepare('UPDATE tenants SET notify_error = ?, notify_error_at = ? WHERE id = ?')
      .bind(why, deps.now(), t.id)
      .run()
    log.warn('alert_refused', {
      tenant: t.id,
      sync: s.syncId,
      phase: event,
      duration: deps.now() - started,
      error: why,
    })
  }
}
