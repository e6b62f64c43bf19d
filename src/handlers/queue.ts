/**
 * Queue consumer: validates each message, hands it to the sync engine, and turns the engine's
 * verdict into ack / retry-with-backoff. Messages from the dead-letter queue mark their run failed,
 * so work that exhausted its retries is visible to the user instead of silently lost.
 */
import { createDb } from '../db/client'
import { failRun } from '../db/queries/runs'
import type { Env } from '../env'
import { handlePollMessage } from '../schedule/poll-message'
import { PollHistoryMessageSchema, type SyncMessage, SyncMessageSchema } from '../sync/messages'
import { processRunStep } from '../sync/process'

export const DEAD_LETTER_QUEUE = 'sync-jobs-dlq'

/** Exponential backoff for message retries: 5 s, 10 s, 20 s ... capped at 15 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(900, 5 * 2 ** Math.max(0, attempts - 1))
}

/** Handles one delivered batch; never throws, so one bad message cannot retry its neighbours. */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB)
  for (const msg of batch.messages) {
    const poll = PollHistoryMessageSchema.safeParse(msg.body)
    if (poll.success) {
      await handlePollMessage(msg, poll.data, env, batch.queue === DEAD_LETTER_QUEUE)
      continue
    }
    const parsed = SyncMessageSchema.safeParse(msg.body)
    if (!parsed.success) {
      console.error(`queue ${batch.queue}: dropping malformed message ${msg.id}`)
      msg.ack()
      continue
    }
    if (batch.queue === DEAD_LETTER_QUEUE) {
      await failRun(
        db,
        parsed.data.runId,
        'gave_up',
        `The run stopped after ${msg.attempts} failed attempts at one step. Nothing was removed on the basis of an incomplete read; run it again when the service is reachable.`,
        Date.now()
      )
      msg.ack()
      continue
    }
    await handleStep(msg as Message<SyncMessage>, parsed.data, env)
  }
}

async function handleStep(msg: Message<SyncMessage>, body: SyncMessage, env: Env): Promise<void> {
  try {
    const verdict = await processRunStep(env, body, { attempts: msg.attempts })
    if (verdict.kind === 'retry')
      msg.retry({ delaySeconds: verdict.delaySeconds ?? backoffSeconds(msg.attempts) })
    else msg.ack()
  } catch (err) {
    console.error(
      `run ${body.runId}: step failed`,
      err instanceof Error ? err.message : 'unknown error'
    )
    msg.retry({ delaySeconds: backoffSeconds(msg.attempts) })
  }
}
