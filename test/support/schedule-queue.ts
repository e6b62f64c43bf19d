/**
 * A cron tick followed by the queue work it causes, in process: the tick sends its tenants in
 * poll-tenants slices (src/schedule/tick.ts) and the tenants with due marks in dispatch-tenants
 * messages (src/schedule/dispatch-slice.ts, which start their runs); a slice hands a tenant with
 * news to a poll-history message, and that one records the pages and starts the runs. tickAndPoll
 * delivers those scheduler messages in order, as the queue would, and forwards everything else (run
 * steps) to the deps' own queue, so a test sees one report of what the minute did.
 */
import type { ScheduleDeps } from '../../src/schedule/deps'
import type { DispatchResult } from '../../src/schedule/dispatch'
import { type DispatchTenants, dispatchSliceStep } from '../../src/schedule/dispatch-slice'
import { type PollHistory, pollHistoryStep } from '../../src/schedule/poll-message'
import { type PollTenants, pollSliceStep, type SliceReport } from '../../src/schedule/poll-slice'
import { runTick, type TickReport } from '../../src/schedule/tick'

type PollMessage = PollTenants | PollHistory | DispatchTenants

/** The tick's report, and the slice outcomes (SliceReport's lists) merged over every slice. */
export interface MinuteReport extends TickReport, Omit<SliceReport, 'stale'> {
  /** The runs the minute started: its dispatch-tenants messages' and its history polls'. */
  dispatch: DispatchResult
  /** Tenants whose dispatchDue threw in a dispatch-tenants message (their marks stay due). */
  dispatchFailed: number[]
  /** poll-history messages whose step asked for a retry (not redelivered: pass them on yourself). */
  retry: PollHistory[]
  /** Every scheduler message the minute sent, in order (slices and dispatches, then history polls). */
  polls: PollMessage[]
}

/** A queue that keeps poll messages for this minute and passes every other message on. */
function splitQueue(inner: ScheduleDeps['queue'], polls: PollMessage[]): ScheduleDeps['queue'] {
  const isPoll = (b: { type?: string }): b is PollMessage =>
    b.type === 'poll-tenants' || b.type === 'poll-history' || b.type === 'dispatch-tenants'
  return {
    send: async (body: { type?: string }, o?: QueueSendOptions) => {
      if (isPoll(body)) polls.push(body)
      else await inner.send(body as never, o)
    },
    sendBatch: async (batch: Iterable<MessageSendRequest<{ type?: string }>>) => {
      const rest: MessageSendRequest<never>[] = []
      for (const m of batch) {
        if (isPoll(m.body)) polls.push(m.body)
        else rest.push(m as MessageSendRequest<never>)
      }
      if (rest.length > 0) await inner.sendBatch(rest)
    },
  } as unknown as ScheduleDeps['queue']
}

/**
 * Runs one tick, then delivers the scheduler messages it caused until none is left. With
 * `historyPolls: false` the poll-history messages are only collected (in `polls`), not delivered;
 * with `dispatches: false` so are the dispatch-tenants messages.
 */
export async function tickAndPoll(
  deps: ScheduleDeps,
  o: { historyPolls?: boolean; dispatches?: boolean } = {}
): Promise<MinuteReport> {
  const queue: PollMessage[] = []
  const d: ScheduleDeps = { ...deps, queue: splitQueue(deps.queue, queue) }
  const tick = await runTick(d)
  const out: MinuteReport = {
    ...tick,
    dispatch: { started: [], busy: [] },
    dispatchFailed: [],
    idle: [],
    started: [],
    handedOff: [],
    busy: [],
    failed: [],
    broken: [],
    retry: [],
    polls: [],
  }
  const merge = (r: DispatchResult | undefined) => {
    out.dispatch.started.push(...(r?.started ?? []))
    out.dispatch.busy.push(...(r?.busy ?? []))
  }
  for (let m = queue.shift(); m; m = queue.shift()) {
    out.polls.push(m)
    if (m.type === 'poll-tenants') {
      const r = await pollSliceStep(d, m)
      for (const k of ['idle', 'started', 'handedOff', 'busy', 'failed', 'broken'] as const)
        out[k].push(...r[k])
    } else if (m.type === 'dispatch-tenants') {
      if (o.dispatches === false) continue
      const r = await dispatchSliceStep(d, m)
      merge(r)
      out.dispatchFailed.push(...r.failed)
    } else if (o.historyPolls !== false) {
      const v = await pollHistoryStep(d, m, 1)
      if (v.kind === 'retry') out.retry.push(m)
      else merge(v.dispatch)
    }
  }
  return out
}
