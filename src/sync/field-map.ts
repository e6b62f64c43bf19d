/**
 * A sync's contact-field mapping (#15) as stored in syncs.field_map: which CRM sources go to which
 * Unisender fields. Parsed with zod wherever it is read, so a malformed row maps nothing instead
 * of breaking runs.
 */
import { z } from 'zod'
import { FIELD_TYPES, IMPORT_FIELDS_MAX } from '../clients/unisender'
import { BUILTIN_SOURCES, CUSTOM_PREFIX, type FieldMapping } from './field-values'

/** A source: a built-in one or `cf:<code>` of a CRM custom field. */
const SourceSchema = z
  .string()
  .refine(
    (s) =>
      Object.hasOwn(BUILTIN_SOURCES, s) ||
      (s.startsWith(CUSTOM_PREFIX) && /^[A-Za-z0-9_-]{1,64}$/.test(s.slice(CUSTOM_PREFIX.length)))
  )

export const FieldMappingSchema = z.object({
  source: SourceSchema,
  target: z.string().trim().min(1).max(100),
  type: z.enum(FIELD_TYPES),
})

/** At most 50 user fields per import (Unisender's limit), one source per target. */
export const FieldMapSchema = z
  .array(FieldMappingSchema)
  .max(IMPORT_FIELDS_MAX)
  .refine((m) => new Set(m.map((f) => f.target)).size === m.length, 'one source per field')

/** What the form proposes for a new sync: first name → Unisender's standard field `Name`. */
export const DEFAULT_FIELD_MAP: FieldMapping[] = [
  { source: 'firstName', target: 'Name', type: 'string' },
]

/** The stored mapping, or none when the JSON is malformed. */
export function parseFieldMap(json: string | null | undefined): FieldMapping[] {
  try {
    const parsed = FieldMapSchema.safeParse(JSON.parse(json || '[]'))
    return parsed.success ? parsed.data : []
  } catch {
    return []
  }
}
