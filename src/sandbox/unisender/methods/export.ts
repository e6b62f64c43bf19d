/**
 * async/exportContacts and async/getTaskResult. A task moves new → processing → completed, either
 * after `exportReadyAfterMs` on the (injectable) clock or after `exportReadyAfterPolls` polls,
 * whichever comes first; then `file_to_download` points at the streamed CSV (export-file.ts). The
 * file is read at download time (a snapshot taken then, not when the task was created).
 */
import type { MethodContext } from '../context'
import { invalidArg } from '../errors'
import { EXPORT_FIELDS, type ExportSpec } from '../export-file'
import { indexedArray, requiredStr, str } from '../params'
import { ownedListIds } from '../store'

const EXPORT_STATUSES = new Set([
  'new',
  'invited',
  'active',
  'inactive',
  'unsubscribed',
  'blocked',
  'activation_requested',
])

/** The spec of an export from its parameters (checked like the real one would). */
async function readSpec(ctx: MethodContext): Promise<ExportSpec> {
  const fields = indexedArray(ctx.params.field_names, 'field_names').map((f) => {
    if (typeof f !== 'string' || !EXPORT_FIELDS.has(f))
      throw invalidArg(`Unknown field "${String(f)}"`)
    return f
  })
  if (fields.length === 0) throw invalidArg('Parameter "field_names" is required')
  const rawList = str(ctx.params, 'list_id')
  let listId: number | undefined
  if (rawList !== undefined && rawList !== '') {
    if (!/^\d+$/.test(rawList)) throw invalidArg('Invalid list_id')
    listId = Number(rawList)
    if (!(await ownedListIds(ctx.db, ctx.account.id, [listId])).has(listId)) {
      throw invalidArg(`List id="${rawList}" not found`)
    }
  }
  const emailStatus = str(ctx.params, 'email_status') || undefined
  if (emailStatus && !EXPORT_STATUSES.has(emailStatus)) throw invalidArg('Invalid email_status')
  return {
    accountId: ctx.account.id,
    listId,
    fields,
    emailStatus,
    email: str(ctx.params, 'email') || undefined,
    tag: str(ctx.params, 'tag') || undefined,
  }
}

export async function exportContacts(ctx: MethodContext) {
  const spec = await readSpec(ctx)
  const uuid = crypto.randomUUID()
  await ctx.db
    .prepare(
      "INSERT INTO uni_tasks (uuid, account_id, params, created_at, polls, status) VALUES (?, ?, ?, ?, 0, 'new')"
    )
    .bind(uuid, ctx.account.id, JSON.stringify(spec), ctx.now)
    .run()
  return { task_uuid: uuid, status: 'new' }
}

/** The URL of a completed export's file, under the emulator's mount point. */
export function fileUrl(base: string, uuid: string): string {
  return `${base}/files/export/${uuid}.csv`
}

export async function getTaskResult(ctx: MethodContext) {
  const uuid = requiredStr(ctx.params, 'task_uuid')
  const task = await ctx.db
    .prepare(
      'SELECT uuid, created_at, polls, status FROM uni_tasks WHERE uuid = ? AND account_id = ?'
    )
    .bind(uuid, ctx.account.id)
    .first<{ uuid: string; created_at: number; polls: number; status: string }>()
  // UNCONFIRMED: the real answer for an unknown task.
  if (!task) throw invalidArg(`Task "${uuid}" not found`)
  const polls = task.polls + 1
  const ready =
    task.status === 'completed' ||
    polls >= ctx.state.exportReadyAfterPolls ||
    ctx.now - task.created_at >= ctx.state.exportReadyAfterMs
  const status = ready ? 'completed' : polls === 1 ? 'new' : 'processing'
  await ctx.db
    .prepare('UPDATE uni_tasks SET polls = ?, status = ? WHERE uuid = ?')
    .bind(polls, status, uuid)
    .run()
  const out: Record<string, unknown> = { task_uuid: uuid, status, task_type: 'export_contacts' }
  if (ready) out.file_to_download = fileUrl(ctx.base, uuid)
  return out
}

/** The spec of a completed task, for the file route (null when unknown or not completed). */
export async function completedSpec(db: D1Database, uuid: string): Promise<ExportSpec | null> {
  const row = await db
    .prepare("SELECT params FROM uni_tasks WHERE uuid = ? AND status = 'completed'")
    .bind(uuid)
    .first<{ params: string }>()
  return row ? (JSON.parse(row.params) as ExportSpec) : null
}
