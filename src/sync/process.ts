/**
 * Entry point of the sync engine for one queue message. The engine itself lives beside this file;
 * this function only decides what the consumer should do with the message.
 */
import type { Env } from '../env'
import type { SyncMessage } from './messages'

export type StepVerdict = { kind: 'ack' } | { kind: 'retry'; delaySeconds?: number }

/** Runs one bounded step of a run. Placeholder until the engine lands: it retries nothing. */
export async function processRunStep(
  _env: Env,
  _msg: SyncMessage,
  _ctx: { attempts: number }
): Promise<StepVerdict> {
  return { kind: 'ack' }
}
