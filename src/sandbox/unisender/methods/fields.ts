/**
 * getFields and createField. Field names are unique per account; a duplicate is an error
 * (UNCONFIRMED code and text), so a client that creates a field looks its name up first.
 */
import type { MethodContext } from '../context'
import { invalidArg } from '../errors'
import { accountFields, FIELD_NAME_RE, FIELD_TYPES, type FieldDef, type FieldType } from '../fields'
import { requiredStr, str } from '../params'

export async function getFields(ctx: MethodContext): Promise<FieldDef[]> {
  return accountFields(ctx.db, ctx.account.id)
}

export async function createField(ctx: MethodContext): Promise<{ id: number }> {
  const name = requiredStr(ctx.params, 'name')
  const type = requiredStr(ctx.params, 'type') as FieldType
  if (!FIELD_NAME_RE.test(name)) throw invalidArg(`Invalid field name "${name}"`)
  if (!FIELD_TYPES.includes(type)) throw invalidArg(`Invalid field type "${type}"`)
  const fields = await accountFields(ctx.db, ctx.account.id)
  if (fields.some((f) => f.name === name)) throw invalidArg(`Field "${name}" already exists`)
  if (ctx.account.testMode) return { id: 900_000_000 + (ctx.now % 1_000_000) }
  const row = await ctx.db
    .prepare(
      'INSERT INTO uni_fields (account_id, name, type, public_name) VALUES (?, ?, ?, ?) RETURNING id'
    )
    .bind(ctx.account.id, name, type, str(ctx.params, 'public_name') ?? name)
    .first<{ id: number }>()
  return { id: row!.id }
}
