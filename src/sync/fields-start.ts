/**
 * Contact fields at a run's start (#15): the sync's mapping is checked against the account's
 * fields (one getFields), missing fields are created once (ensureField: looked up again after a
 * failed createField), and the result is fixed in the cursor for every later step, each field
 * with the type Unisender has for it. A dry run creates nothing.
 */
import { ensureField, FIELD_TYPES, type FieldType } from '../clients/unisender'
import type { StepContext } from './context'
import { parseFieldMap } from './field-map'

const asType = (t: string | undefined): FieldType | null =>
  (FIELD_TYPES as readonly string[]).includes(t ?? '') ? (t as FieldType) : null

/** Sets cursor.fields from the sync's mapping, creating missing fields unless this is a dry run. */
export async function resolveFields(ctx: StepContext): Promise<void> {
  const mapping = parseFieldMap(ctx.run.fieldMap)
  ctx.cursor.fields = []
  if (mapping.length === 0) return
  const uni = await ctx.uni()
  const known = await uni.getFields()
  for (const m of mapping) {
    const have = known.find((f) => f.name === m.target)
    if (!have && ctx.dryRun) {
      ctx.cursor.fields.push({ ...m, exists: false }) // would be created with the mapping's type
      continue
    }
    const field = have ?? (await ensureField(uni, m.target, m.type, { known }))
    ctx.cursor.fields.push({ ...m, type: asType(field.type) ?? m.type, exists: true })
  }
}
