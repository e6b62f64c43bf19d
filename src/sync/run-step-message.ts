/**
 * The engine's queue message: one bounded step of a run. Validated with zod before the engine acts
 * on it (src/handlers/queue.ts parses every delivery once, as part of src/queue-message.ts).
 */
import { z } from 'zod'

/** One bounded step of run `runId`; `seq` lets a duplicate delivery be recognised and acked. */
export const RunStepSchema = z.object({
  type: z.literal('run-step'),
  runId: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
})

export type RunStep = z.infer<typeof RunStepSchema>
