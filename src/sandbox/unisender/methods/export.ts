/**
 * async/exportContacts and async/getTaskResult. A task moves new → processing → completed: each
 * poll writes up to `exportPagesPerPoll` pages of the file (export-store.ts), and once the file is
 * complete the task completes after `exportReadyAfterMs` on the (injectable) clock or after
 * `exportReadyAfterPolls` polls, whichever comes first; then `file_to_download` points at the file.
 */
import type { MethodContext } from '../context'
import { invalidArg } from '../errors'
import { EXPORT_FIELDS, type ExportSpec } from '../export-file'
import { buildSome, createTask, loadTask, saveProgress } from '../export-store'
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
  await createTask(ctx.db, uuid, spec, ctx.now)
  return { task_uuid: uuid, status: 'new' }
}

/** The URL of a completed export's file, under the emulator's mount point. */
export function fileUrl(base: string, uuid: string): string {
  return `${base}/files/export/${uuid}.csv`
}

export async function getTaskResult(ctx: MethodContext) {
  const uuid = requiredStr(ctx.params, 'task_uuid')
  const task = await loadTask(ctx.db, uuid)
  // UNCONFIRMED: the real answer for an unknown task (or another account's).
  if (!task || task.accountId !== ctx.account.id) throw invalidArg(`Task "${uuid}" not found`)
  const polls = task.polls + 1
  const built = await buildSome(ctx.db, task, ctx.state.exportPagesPerPoll)
  const ready =
    task.status === 'completed' ||
    (built &&
      (polls >= ctx.state.exportReadyAfterPolls ||
        ctx.now - task.createdAt >= ctx.state.exportReadyAfterMs))
  const status = ready ? 'completed' : polls === 1 ? 'new' : 'processing'
  await saveProgress(ctx.db, uuid, polls, status)
  const out: Record<string, unknown> = { task_uuid: uuid, status, task_type: 'export_contacts' }
  if (ready) out.file_to_download = fileUrl(ctx.base, uuid)
  return out
}
