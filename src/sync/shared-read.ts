/**
 * The pure rules of a shared read (docs/shared-read.md): one run (the leader) reads for several
 * full runs of a shop due together (the members), either their one common source or the whole
 * base, each customer served to the runs whose source it belongs to; and the read-once decision
 * (baseReadWins) the scheduler and the leader share. No I/O here: the leader's fan-out is
 * shared-fanout.ts, its member and closing steps shared-lead.ts, the member's wait
 * step-shared-wait.ts, their reads shared-read-store.ts.
 */
import type { Customer } from '../clients/retailcrm'
import { type Cursor, type LeadMember, parseCursor, SIDES } from './state'

/** The staging side of each address class a read keeps (invalid ones are rejects). */
export const SIDE_OF = {
  valid: SIDES.segment,
  opted_out: SIDES.optedOut,
  role: SIDES.role,
} as const

/**
 * Chunk sequence numbers a leader writes into members start here, above any a member writes
 * itself (its own cursor.chunkSeq counts from 0), so (run_id, side, bucket, seq) never collides.
 */
export const SHARED_SEQ_BASE = 2 ** 30

/** How long a leader waits for its members to finish their `planned` step before it reads. */
export const JOIN_WAIT_MS = 60_000
/** The leader's delay between looks at members not ready yet. */
export const LEADER_POLL_SECONDS = 2
/** A member's delay between looks at its leader: before the read begins, and during it. */
export const MEMBER_POLL_SECONDS = { beforeRead: 5, duringRead: 15 } as const

/**
 * Rejects (invalid addresses) a leader stages per run of the group in one step: one statement
 * (a member's insert binds 5 parameters and 3 a row, 31 rows within 100).
 */
export const GROUP_REJECTS_PER_STEP = 31

/** Runs one shared read serves at most (the leader included), for its steps' subrequest budget. */
export const MAX_GROUP = 8

export const INCOMPLETE_SHARED_SHORT =
  'Fewer customers of the segment came with the shared read of all customers than RetailCRM counts in it, so removals were skipped in this run; the next run will catch up.'

/**
 * A run's source for the read-once decision: `code` null for all customers; `size` the segment's
 * customersCount as last seen (null: unknown).
 */
export interface RunSource {
  syncId: number
  code: string | null
  size: number | null
}

const pagesOf = (n: number, p: number) => Math.ceil(n / p)

/** The distinct sources of the runs, with their sizes (null: unknown). */
export function distinctSources(rows: readonly RunSource[]): Map<string | null, number | null> {
  const out = new Map<string | null, number | null>()
  for (const r of rows) if (!out.has(r.code)) out.set(r.code, r.size)
  return out
}

/**
 * Whether learning the base size C could choose reading the whole base: several distinct segment
 * sources of known sizes whose pages add up to more than the largest one's plus one (C is at
 * least the largest segment). With an all-customers source the base read wins without C; with a
 * single source it never does.
 */
export function baseSizeWanted(rows: readonly RunSource[], pageSize: number): boolean {
  const d = distinctSources(rows)
  if (d.size < 2 || d.has(null)) return false
  const sizes = [...d.values()]
  if (sizes.some((s) => s === null)) return false
  const each = sizes.reduce((n: number, s) => n + pagesOf(s!, pageSize), 0)
  return each > pagesOf(Math.max(...(sizes as number[])), pageSize) + 1
}

/**
 * The read-once decision (docs/shared-read.md): one read of the whole base when
 * ⌈C/P⌉ + 1 < Σ over distinct sources ⌈|s|/P⌉ (the +1 is the call that learned C). An
 * all-customers source among others always wins (its read is the base read); unknown sizes never.
 */
export function baseReadWins(
  rows: readonly RunSource[],
  pageSize: number,
  baseSize: number | null
): boolean {
  const d = distinctSources(rows)
  if (d.size < 2) return false
  if (d.has(null)) return true
  if (baseSize === null || [...d.values()].some((s) => s === null)) return false
  const each = [...d.values()].reduce((n: number, s) => n + pagesOf(s!, pageSize), 0)
  return pagesOf(baseSize, pageSize) + 1 < each
}

/** A run's source: its segment code, or null for "all customers". */
export function sourceOf(run: { allCustomers: number; segmentCode: string | null }) {
  return run.allCustomers ? null : run.segmentCode
}

/**
 * Whether a customer read from the whole base belongs to a source: everyone belongs to "all
 * customers"; a segment's customers carry its code in `segments[]` (docs/retailcrm.md §3).
 */
export function inSource(customer: Pick<Customer, 'segments'>, code: string | null): boolean {
  return code === null || (customer.segments ?? []).some((s) => s.code === code)
}

/**
 * CRM pages a leader reads per step with `members` members, so the step stays within 100
 * subrequests: each run of the group costs up to 4 statements a step (3 of chunks: 16
 * partitions × 3 sides at 19 rows a statement; 1 of rejects, GROUP_REJECTS_PER_STEP), and the
 * step's other subrequests stay within 24: measured 13 (load, page size, pacing, member look-up,
 * commit, send) plus up to 8 in-place rate-limit retries (context.ts) and a spare 3.
 */
export function sharedPagesPerStep(pagesPerStep: number, members: number): number {
  return Math.max(1, Math.min(pagesPerStep, 100 - 24 - 4 * (members + 1)))
}

/** What a member sees of its leader: the run's status and cursor (null: the run is gone). */
export interface LeaderView {
  status: string
  cursor: string
}

export type MemberVerdict =
  | { kind: 'wait'; delaySeconds: number }
  /** The leader's read is complete and covers this member: take it. */
  | { kind: 'take'; member: LeadMember; leader: Cursor }
  /** The leader will not serve this member (failed, cancelled, left it out): read on its own. */
  | { kind: 'own' }

const ACTIVE = new Set(['queued', 'running'])

/**
 * What a member in `shared_wait` does, from its leader's row. A complete read is taken whatever
 * the leader did after it; anything short of that ends the wait only when the leader can no
 * longer complete it, and then the member reads on its own: a leader's failure never becomes a
 * member's picture.
 */
export function memberVerdict(leader: LeaderView | null, memberId: number): MemberVerdict {
  if (!leader) return { kind: 'own' }
  let cursor: Cursor
  try {
    cursor = parseCursor(leader.cursor)
  } catch {
    return { kind: 'own' }
  }
  const lead = cursor.lead
  if (!lead) return { kind: 'own' }
  const active = ACTIVE.has(leader.status)
  if (lead.members === null)
    return active ? { kind: 'wait', delaySeconds: MEMBER_POLL_SECONDS.beforeRead } : { kind: 'own' }
  const member = lead.members.find((m) => m.id === memberId)
  if (!member) return { kind: 'own' }
  if (lead.done) return { kind: 'take', member, leader: cursor }
  return active ? { kind: 'wait', delaySeconds: MEMBER_POLL_SECONDS.duringRead } : { kind: 'own' }
}

/**
 * Whether a leader fixes its members now: every candidate is ready (waiting in `shared_wait`),
 * or it has waited JOIN_WAIT_MS for the others (those are left out and read on their own).
 */
export function readyToRead(
  candidates: readonly { phase: string; status: string }[],
  waitingSince: number,
  now: number
): boolean {
  const pending = candidates.some((r) => r.status === 'queued' || r.phase === 'planned')
  return !pending || now - waitingSince >= JOIN_WAIT_MS
}
