/**
 * Cron handler (every minute): decides what is due and enqueues it; the work itself happens in
 * queue consumers, which have retries and a dead-letter queue. The scheduler lives in src/schedule.
 * Locally a tick can be fired by hand: `curl 'http://localhost:8787/__scheduled?cron=*+*+*+*+*'`.
 */
import type { Env } from '../env'
import { runTick, scheduleDepsFromEnv } from '../schedule'

/** The cron expression in wrangler.toml [triggers]. */
export const EVERY_MINUTE = '* * * * *'

/** Runs one scheduler tick on the wall clock (the tick also measures its own time budget). */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  if (controller.cron !== EVERY_MINUTE) {
    console.warn(`scheduled: unknown cron ${controller.cron}`)
  }
  const report = await runTick(scheduleDepsFromEnv(env))
  const { started, busy } = report.dispatch
  console.log(
    `scheduled: polled ${report.polled.length}, handed off ${report.handedOff.length}, failed ${report.failed.length}, broken ${report.broken.length}, started ${started.length}, busy ${busy.length}`
  )
}
