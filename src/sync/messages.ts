/** Queue message shapes. Every message is validated with zod before a consumer acts on it. */
import { z } from 'zod'

/** One bounded step of run `runId`; `seq` lets a duplicate delivery be recognised and acked. */
export const RunStepMessage = z.object({
  type: z.literal('run-step'),
  runId: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
})

/** Pages a tenant's customer history backlog (src/schedule): too long for the cron tick. */
export const PollHistoryMessageSchema = z.object({
  type: z.literal('poll-history'),
  tenantId: z.number().int().positive(),
})
export type PollHistoryMessage = z.infer<typeof PollHistoryMessageSchema>

export const SyncMessageSchema = z.discriminatedUnion('type', [RunStepMessage])

export type SyncMessage = z.infer<typeof SyncMessageSchema>
