/** Queue message shapes. Every message is validated with zod before a consumer acts on it. */
import { z } from 'zod'

/** One bounded step of run `runId`; `seq` lets a duplicate delivery be recognised and acked. */
export const RunStepMessage = z.object({
  type: z.literal('run-step'),
  runId: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
})

export const SyncMessageSchema = z.discriminatedUnion('type', [RunStepMessage])

export type SyncMessage = z.infer<typeof SyncMessageSchema>
