/** What a step tells the engine to do after it ran. */
import type { Phase } from './state'

export type StepResult =
  /** Commit and enqueue the next step (optionally in another phase, optionally delayed). */
  | { kind: 'next'; phase?: Phase; delaySeconds?: number }
  /** Commit and stop: the run waits for the user's confirmation. */
  | { kind: 'wait' }
  /** Commit and finish successfully. */
  | { kind: 'done' }
  /**
   * Commit and fail the run with a reason the user can act on; `cancelled`: end it as cancelled
   * instead (nothing went wrong, e.g. its sync was paused before it wrote anything).
   */
  | { kind: 'fail'; code: string; message: string; cancelled?: boolean }
