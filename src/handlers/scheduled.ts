/**
 * Cron handler (every minute): decides what is due and enqueues it; the work itself happens in
 * queue consumers, which have retries and a dead-letter queue.
 */
import type { Env } from '../env'

/** The cron expression in wrangler.toml [triggers]. */
export const EVERY_MINUTE = '* * * * *'

/** Runs one scheduler tick at `now`. */
export async function handleScheduled(controller: ScheduledController, _env: Env): Promise<void> {
  if (controller.cron !== EVERY_MINUTE) {
    console.warn(`scheduled: unknown cron ${controller.cron}`)
  }
}
