/**
 * Cron handler (every minute): decides what is due and enqueues it; the work itself happens in
 * queue consumers, which have retries and a dead-letter queue. The scheduler lives in src/schedule.
 * After the tick, the alert pass (src/alerts) tells shops, inside their CRM, of every sync whose
 * state changed. Locally a tick can be fired by hand:
 * `curl 'http://localhost:8787/__scheduled?cron=*+*+*+*+*'`.
 */
import { alertDepsFromEnv } from '../alerts/deps'
import { runAlerts } from '../alerts/notify'
import { shardCount } from '../db/tenant-db'
import type { Env } from '../env'
import { errorText } from '../lib/error-text'
import { log } from '../lib/log'
import { runTick, scheduleDepsFromEnv } from '../schedule'

/** The cron expression in wrangler.toml [triggers]. */
export const EVERY_MINUTE = '* * * * *'

/**
 * Runs one scheduler tick on the wall clock per shard database (src/db/tenant-db.ts: one, DB,
 * unless DB_SHARDS says more); a shard whose tick fails is logged and the others still run.
 */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron !== EVERY_MINUTE) {
    log.warn('cron_unknown', { phase: 'schedule', detail: controller.cron })
  }
  for (let shard = 0; shard < shardCount(env); shard++) {
    const started = Date.now()
    try {
      const report = await runTick(scheduleDepsFromEnv(env, {}, shard), shard)
      log.info('tick', {
        phase: 'schedule',
        duration: Date.now() - started,
        detail: `shard ${shard}, tenants sent ${report.sent.length} in ${report.slices} slices, tenants with due runs sent ${report.dispatchSent.length} in ${report.dispatchMessages} messages, revived ${report.revived.length}, sessions deleted ${report.retention?.sessions ?? 0}, keys deleted ${report.retention?.keysDeleted.length ?? 0}`,
      })
    } catch (err) {
      log.error('tick_failed', {
        phase: 'schedule',
        detail: `shard ${shard}`,
        error: errorText(err),
      })
    }
  }
  const alertsAt = Date.now()
  try {
    const a = await runAlerts(alertDepsFromEnv(env))
    log.info('alerts', {
      phase: 'alerts',
      duration: Date.now() - alertsAt,
      detail: `sent ${a.sent}, refused ${a.refused}, silent ${a.silent}`,
    })
  } catch (err) {
    log.error('alerts_failed', { phase: 'alerts', error: errorText(err) })
  }
}
