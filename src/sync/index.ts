/** The sync engine's public surface for the UI, the scheduler and the queue consumer. */
export { type ApiCalls, parseApiCalls } from './api-calls'
export { cancelRun, confirmRun, type RunRef } from './control'
export { processRunStep } from './process'
export { getRunSample, type RunSample } from './sample'
export { ACTIVE_STATUSES, startRun } from './start'
