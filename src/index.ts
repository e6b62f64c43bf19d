/**
 * Worker entry: wires the HTTP app, the per-minute scheduler and the queue consumer. Nothing else.
 */
import { createApp } from './app'
import type { Env } from './env'
import { handleQueue } from './handlers/queue'
import { handleScheduled } from './handlers/scheduled'
import type { SyncMessage } from './sync/messages'

const app = createApp()

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(handleScheduled(controller, env))
  },
  queue: (batch, env, _ctx) => handleQueue(batch, env),
} satisfies ExportedHandler<Env, SyncMessage>
