/**
 * Queue consumer of sync-jobs and its dead-letter queue: parses each delivered body once as a
 * QueueMessage and hands it to the code that owns its type — a run step to the sync engine, a
 * history poll, a slice of tenants to check or a message of tenants whose due runs to start to the
 * scheduler. Never throws, so one bad message cannot retry its neighbours.
 */
import type { Env } from '../env'
import { log } from '../lib/log'
import { QueueMessageSchema } from '../queue-message'
import { handleDispatchSliceMessage, handlePollMessage, handlePollSliceMessage } from '../schedule'
import { handleRunStepMessage } from '../sync'

export const DEAD_LETTER_QUEUE = 'sync-jobs-dlq'

/** Handles one delivered batch. */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const deadLetter = batch.queue === DEAD_LETTER_QUEUE
  for (const msg of batch.messages) {
    const parsed = QueueMessageSchema.safeParse(msg.body)
    if (!parsed.success) {
      log.error('queue_message_malformed', { phase: batch.queue, detail: msg.id })
      msg.ack()
      continue
    }
    const body = parsed.data
    switch (body.type) {
      case 'run-step':
        await handleRunStepMessage(msg, body, env, deadLetter)
        break
      case 'poll-history':
        await handlePollMessage(msg, body, env, deadLetter)
        break
      case 'poll-tenants':
        await handlePollSliceMessage(msg, body, env, deadLetter)
        break
      case 'dispatch-tenants':
        await handleDispatchSliceMessage(msg, body, env, deadLetter)
        break
    }
  }
}
