/**
 * Worker entry: wires the HTTP app, the per-minute scheduler and the queue consumer. Nothing else.
 */
import { createApp } from './app'
import type { Env } from './env'
import { handleQueue } from './handlers/queue'
import { handleScheduled } from './handlers/scheduled'
import { batchTags, metered } from './lib/metering'
import type { QueueMessage } from './queue-message'

const app = createApp()

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => {
    // metered(): counts subrequests and D1 rows for `npm run bench`; a no-op unless BENCH=1.
    ctx.waitUntil(metered('scheduled', env, (e) => handleScheduled(controller, e)))
  },
  queue: (batch, env, _ctx) =>
    metered('queue', env, (e) => handleQueue(batch, e), batchTags(batch)),
} satisfies ExportedHandler<Env, QueueMessage>
