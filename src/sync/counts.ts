/**
 * The numbers every run records and the UI shows. Kept in one place so the engine, the run page,
 * the CSV export and the tests agree on names.
 */
import { z } from 'zod'

export const RunCountsSchema = z.object({
  /** Customers read from the CRM (segment members or all customers). */
  readFromCrm: z.number().int().default(0),
  /** Emails in the Unisender list before the run. */
  listBefore: z.number().int().default(0),
  added: z.number().int().default(0),
  removed: z.number().int().default(0),
  unchanged: z.number().int().default(0),
  /** In the segment but unsubscribed or blocked in Unisender: never resubscribed. */
  skippedUnsubscribed: z.number().int().default(0),
  /** Opted out of email marketing in the CRM: never added (removed in exact mode). */
  skippedOptedOut: z.number().int().default(0),
  /** Customers without a valid email (empty, malformed, or refused by Unisender as invalid/role). */
  invalid: z.number().int().default(0),
  /** Customers whose email repeats another customer's after normalisation. */
  duplicates: z.number().int().default(0),
  /** Planned changes (dry runs and held runs): what a run would add and remove. */
  plannedAdd: z.number().int().default(0),
  plannedRemove: z.number().int().default(0),
  /** Contact fields (#15): members whose mapped values the run wrote, and (planned) would write. */
  fieldsUpdated: z.number().int().default(0),
  plannedUpdate: z.number().int().default(0),
})
export type RunCounts = z.infer<typeof RunCountsSchema>

/** Why a contact was not written as planned; the UI translates each code. */
export const REJECT_REASONS = [
  'invalid_email',
  'role_address',
  'unsubscribed_in_unisender',
  'opted_out_in_crm',
  'duplicate',
  'rejected_by_unisender',
  /** Unisender refused a mapped field's value (#15): the contact's row was not written. */
  'field_value_refused',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

/** Parses the stored JSON counts of a run, tolerating older rows with fewer keys. */
export function parseCounts(json: string): RunCounts {
  try {
    return RunCountsSchema.parse(JSON.parse(json))
  } catch {
    return RunCountsSchema.parse({})
  }
}
