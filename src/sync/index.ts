/**
 * The sync engine's one door: everything outside src/sync (the scheduler, the queue consumer, the
 * routes and the pages) imports the engine from here, never from its files, so the engine can be
 * rearranged without touching its callers.
 */
export { type ApiCalls, parseApiCalls } from './api-calls'
export { cancelRun, confirmRun, type RunRef } from './control'
export { parseCounts, REJECT_REASONS, type RejectReason, type RunCounts } from './counts'
export { DEFAULT_FIELD_MAP, FieldMapSchema, parseFieldMap } from './field-map'
export {
  BUILTIN_SOURCES,
  CUSTOM_PREFIX,
  customFieldType,
  type FieldMapping,
} from './field-values'
export { pruneStatements } from './finish'
export { type ChangeRecord, changeRecord, encodeRecords } from './incremental-records'
export { handleRunStepMessage, processRunStep } from './process'
export { type RunStep, RunStepSchema } from './run-step-message'
export { getRunSample, type RunSample } from './sample'
export { MISSING_MESSAGE, SEGMENT_MISSING } from './segment-check'
export {
  baseReadWins,
  baseSizeWanted,
  distinctSources,
  MAX_GROUP,
  type RunSource,
} from './shared-read'
export {
  ACTIVE_STATUSES,
  type RunTrigger,
  type StartRunDeps,
  type StartRunRequest,
  type StartRunResult,
  startRun,
} from './start'
export { KEEP_RUNS, retryDueAt } from './state'
