/**
 * The one message type of the sync-jobs queue (and its dead-letter queue). Each variant is declared
 * beside the code that handles it — a run step in src/sync; a history poll, a slice of tenants to
 * check and a message of tenants whose due runs to start in src/schedule — and
 * src/handlers/queue.ts parses a delivered body once with this schema and dispatches on `type`.
 */
import { z } from 'zod'
import { DispatchTenantsSchema, PollHistorySchema, PollTenantsSchema } from './schedule'
import { RunStepSchema } from './sync'

export const QueueMessageSchema = z.discriminatedUnion('type', [
  RunStepSchema,
  PollHistorySchema,
  PollTenantsSchema,
  DispatchTenantsSchema,
])

export type QueueMessage = z.infer<typeof QueueMessageSchema>
