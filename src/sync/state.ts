/**
 * The run's checkpoint: phase names and the cursor stored in runs.cursor (JSON). Every field a
 * step needs to resume lives here, so any invocation can continue a run from D1 alone.
 *
 * planned → read_crm → export_wait → read_list → diff → check → write → done
 *                                        (check may stop at needs_confirmation or fail)
 * A member of a shared read (docs/shared-read.md) waits in `shared_wait` instead of reading:
 * planned → shared_wait → export_wait → …, or back to read_crm when the shared read fails it.
 */
import { z } from 'zod'

export const PHASES = [
  'planned',
  /** Incremental runs (src/sync/incremental-step.ts): only the customers the history touched. */
  'incremental',
  'read_crm',
  /** A member of a shared read waits for its leader's read (src/sync/step-shared-wait.ts). */
  'shared_wait',
  'export_wait',
  'read_list',
  'diff',
  'check',
  'write',
  'done',
] as const
export type Phase = (typeof PHASES)[number]

/** A contact field as a run writes it (cursor.fields). */
const FieldSpecSchema = z.object({
  source: z.string(),
  target: z.string(),
  type: z.enum(['string', 'text', 'number', 'date', 'bool']),
  /** False in a dry run for a field not created yet: not exported, empty for everyone. */
  exists: z.boolean().default(true),
})

/**
 * A member of a shared read as its leader keeps it (docs/shared-read.md): what the member reads
 * from (a segment code, null for all customers), the fields its lines carry, and its share of
 * the counts, copied into the member when it takes the read.
 */
export const LeadMemberSchema = z.object({
  id: z.number().int(),
  code: z.string().nullable(),
  fields: z.array(FieldSpecSchema).default([]),
  read: z.number().int().default(0),
  invalid: z.number().int().default(0),
  rejects: z.number().int().default(0),
  /** Base read: the member's segment is no longer in the CRM (the member fails segment_missing). */
  missing: z.boolean().default(false),
  /** Base read: why this member may not remove (its segment read empty while the CRM counts some). */
  incomplete: z.string().nullable().default(null),
})
export type LeadMember = z.infer<typeof LeadMemberSchema>

/** A leader's side of a shared read (docs/shared-read.md). */
export const LeadSchema = z.object({
  /**
   * Read the whole base and serve each run by its customers' `segments` (else the shared source);
   * null: decide when the members are fixed, with the shop's customer count (shared-lead.ts).
   */
  base: z.boolean().nullable().default(false),
  /** When the leader began waiting for its members to be ready (epoch ms). */
  since: z.number().nullable().default(null),
  /**
   * The leader's own source (a segment code, null: all customers), fixed with the members: the
   * whole read keeps it, so a user editing the leader's sync mid-read never turns the rest of the
   * pages into another segment's customers served to the members. Absent in older cursors.
   */
  own: z.string().nullable().optional(),
  /** The members served, fixed before the first page; null while the leader still waits. */
  members: z.array(LeadMemberSchema).nullable().default(null),
  /** A base read has read its last page; its closing step (empty segments) is next. */
  paged: z.boolean().default(false),
  /** The read is complete: every member's staging is written. */
  done: z.boolean().default(false),
  /** Why the read as a whole may be incomplete (pages or total moved): every member only adds. */
  incomplete: z.string().nullable().default(null),
})
export type Lead = z.infer<typeof LeadSchema>

export const CursorSchema = z.object({
  /** Optimistic version: every commit requires it unchanged and bumps it. */
  v: z.number().int().default(0),
  listId: z.number().int().nullable().default(null),
  /** Whether the Unisender list exists (a dry run of a not-yet-created list reads nothing). */
  listExists: z.boolean().default(true),
  /** CRM paging. */
  page: z.number().int().default(1),
  crmTotal: z.number().int().nullable().default(null),
  crmPages: z.number().int().default(0),
  /**
   * The run's /customers page size, pinned at its first page (crm-page.ts): null before (a read
   * begun before sizes were pinned counts as 100). `page` counts pages of this size; `crmSkip` is
   * how many customers at the start of `page` were read already (after a step-down from 250).
   */
  crmLimit: z.number().int().nullable().default(null),
  crmSkip: z.number().int().default(0),
  /** Export of the list. */
  taskUuid: z.string().nullable().default(null),
  polls: z.number().int().default(0),
  exportAttempts: z.number().int().default(0),
  fileUrl: z.string().nullable().default(null),
  fileOffset: z.number().int().default(0),
  /**
   * When the current streak of failed downloads of the export file began (epoch ms, the engine's
   * clock), so the bound on retrying it (step-export.ts) survives queue retries and redeliveries.
   */
  downloadFailingSince: z.number().nullable().default(null),
  header: z
    .object({
      delimiter: z.string(),
      email: z.number().int(),
      status: z.number().int(),
      unsubscribedLists: z.number().int(),
      /** Columns of the mapped fields (cursor.fields order), -1 when missing (export-csv.ts). */
      fields: z.array(z.number().int()).default([]),
    })
    .nullable()
    .default(null),
  /** Diff: next partition; staged add/remove batches written so far; the partial batches. */
  partition: z.number().int().default(0),
  /** Diff: the next sub-range of a partition taken in slices (diff-slice.ts); 0 = from the start. */
  sub: z.number().int().default(0),
  batchesA: z.number().int().default(0),
  batchesR: z.number().int().default(0),
  /** Mixed batches ('W'): pending ops `+email` (add) / `-email` (remove), and the counters. */
  pend: z.array(z.string()).default([]),
  batchesW: z.number().int().default(0),
  /** Staged batches (of any side) that contain at least one addition. */
  batchesWithAdds: z.number().int().default(0),
  /** The first adds and removes of the run, kept as its sample. */
  sampleA: z.array(z.string()).default([]),
  sampleR: z.array(z.string()).default([]),
  /** The first contacts whose mapped fields the run updates (#15), kept as its sample. */
  sampleU: z.array(z.string()).default([]),
  /**
   * The sync's contact fields as this run writes them (field-map.ts), fixed at its start with each
   * field's type as Unisender has it: every step of the run uses the same columns.
   */
  fields: z.array(FieldSpecSchema).default([]),
  /** Legacy separate lists (unused by the full diff; kept so older cursors still parse). */
  pendA: z.array(z.string()).default([]),
  pendR: z.array(z.string()).default([]),
  /** Write: which staged side and batch is next. */
  writeSide: z.enum(['A', 'W', 'R']).default('A'),
  writeSeq: z.number().int().default(0),
  /** The previous successful run of the sync, whose refusals this run does not re-send. */
  prevRunId: z.number().int().nullable().default(null),
  /** Removal rows importContacts refused: retried one by one with `exclude`. */
  pendExclude: z.array(z.string()).default([]),
  /**
   * The import batch (side and seq, e.g. 'W3') handed to Unisender whose answer is not committed
   * yet: committed before the call, so a retry of the step knows the batch may already be applied.
   */
  sentBatch: z.string().nullable().default(null),
  /**
   * Additions Unisender refused in the answer to a re-sent batch, with its message: an earlier,
   * unanswered call may have added them, so each is checked in the list before it is a reject.
   */
  pendCheck: z.array(z.tuple([z.string(), z.string()])).default([]),
  /**
   * Unisender refused an import for the plan's contact limit (its message): the run fails once the
   * refused call's additions are looked up (pendCheck), since it may have imported some of them.
   */
  planLimit: z.string().nullable().default(null),
  /** The user confirmed a guarded removal. */
  confirmed: z.boolean().default(false),
  /** Why removals are off for this run (incomplete picture), shown to the user. */
  incomplete: z.string().nullable().default(null),
  rejects: z.number().int().default(0),
  /** A note for the user on a finished run (e.g. a dry run's plan-limit warning). */
  note: z.string().nullable().default(null),
  /** Unisender reported API test mode: it answers success but changes nothing. */
  testMode: z.boolean().default(false),
  /**
   * When the queue will retry the current step (epoch ms), set when the engine retries it with a
   * delay and cleared by the step's next commit: the watchdog gives a backing-off run until then
   * (src/schedule/watchdog.ts), and the sync page says "waiting to retry at …".
   */
  retryAt: z.number().nullable().default(null),
  /** Pacing: the earliest time (epoch ms) of the next call to each service. */
  crmNextAt: z.number().default(0),
  uniNextAt: z.number().default(0),
  /** Incremental runs: the history range (from, upTo], the holder index run, read progress. */
  incFrom: z.number().int().nullable().default(null),
  incUpTo: z.number().int().nullable().default(null),
  incHolderRun: z.number().int().nullable().default(null),
  /** A full run is already marked: this incremental run only adds. */
  incNoRemovals: z.boolean().default(false),
  incAfter: z.number().int().default(0),
  incRead: z.boolean().default(false),
  /**
   * Incremental runs with contact fields (#15): members whose mapped data changed, with their
   * packed values (cursor.fields order, only the changed sources') and whether the run also adds
   * them, each checked with getContact at the start of `write` before any value is written
   * (incremental-fields.ts).
   */
  pendFields: z.array(z.tuple([z.string(), z.string(), z.boolean()])).default([]),
  /** Staging chunk sequence: unique per written chunk row of this run. */
  chunkSeq: z.number().int().default(0),
  /** A member of a shared read: the leader run whose read stages this run's customers. */
  readId: z.number().int().nullable().default(null),
  /** A leader of a shared read: its plan, members and progress. */
  lead: LeadSchema.nullable().default(null),
})
export type Cursor = z.infer<typeof CursorSchema>

/** Parses a stored cursor, tolerating '{}' (a fresh run). */
export function parseCursor(json: string): Cursor {
  return CursorSchema.parse(JSON.parse(json || '{}'))
}

/**
 * When a run's current step will be retried (epoch ms), or null when it is not backing off: read
 * from the stored cursor without validating the rest of it, for the sync page.
 */
export function retryDueAt(cursorJson: string): number | null {
  try {
    const at = (JSON.parse(cursorJson || '{}') as { retryAt?: unknown }).retryAt
    return typeof at === 'number' && Number.isFinite(at) ? at : null
  } catch {
    return null
  }
}

/** Staging sides in run_chunks. */
export const SIDES = {
  segment: 'S',
  optedOut: 'O',
  role: 'K',
  list: 'L',
  listUnsubscribed: 'U',
  listLeft: 'N',
  /** Addresses Unisender refused to add (reason TAB email), carried from run to run. */
  refused: 'X',
  /** Batches of additions only (incremental runs). */
  add: 'A',
  /** Batches of additions and removals together (one import call carries both). */
  write: 'W',
  /** Batches of removals only. */
  remove: 'R',
  /** The holder index of an exact sync's last complete full run (holders.ts), kept after it. */
  holders: 'H',
  sampleAdd: 'a',
  sampleRemove: 'r',
  /** Contacts whose mapped fields the run updates (#15), the first SAMPLE_SIZE. */
  sampleUpdate: 'u',
} as const

/** Shown on a finished run of an account in API test mode. */
export const TEST_MODE_NOTE =
  'The Unisender account is in API test mode: Unisender answered as if the changes were made, but nothing was changed.'

/** Per-run cap of stored per-contact rejects. */
export const REJECT_CAP = 1000
/** Emails kept as the sample of each change direction. */
export const SAMPLE_SIZE = 50
/** Runs kept per sync; older ones are pruned when a run finishes. */
export const KEEP_RUNS = 20
