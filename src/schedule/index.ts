/**
 * The scheduler's one door: the cron handler and the queue consumer import the scheduler from here.
 * The scheduler decides when work happens; what a run does is src/sync's.
 */
export { scheduleDepsFromEnv } from './deps'
export {
  type DispatchTenants,
  DispatchTenantsSchema,
  handleDispatchSliceMessage,
} from './dispatch-slice'
export { handlePollMessage, type PollHistory, PollHistorySchema } from './poll-message'
export {
  handlePollSliceMessage,
  type PollTenants,
  PollTenantsSchema,
} from './poll-slice'
export { runTick } from './tick'
