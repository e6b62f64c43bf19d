/**
 * First step of a run: find or create the Unisender list (once, safe under retries) and start the
 * asynchronous export of the list, so Unisender prepares the file while the CRM is being read.
 */
import { ApiError } from '../clients/errors'
import type { StepContext } from './context'
import { resolveFields } from './fields-start'
import type { StepResult } from './result'
import { previousRunId } from './store'

/**
 * Fields requested from the export: status fields let us never re-add unsubscribed contacts; the
 * mapped contact fields (cursor.fields) follow them.
 */
export const EXPORT_FIELDS = ['email', 'email_status', 'email_unsubscribed_list_ids']

/** Resolves the list of the sync; returns null when it does not exist (dry run of a new list). */
async function resolveList(ctx: StepContext): Promise<number | null> {
  const { run } = ctx
  if (run.listId !== null) return run.listId
  if (!run.createList) {
    throw new ApiError('unisender', 'fatal', 'no_list', 'The sync has no Unisender list')
  }
  const uni = await ctx.uni()
  const find = async () => (await uni.getLists()).find((l) => l.title === run.listTitle)?.id ?? null
  const found = await find()
  if (found !== null || ctx.dryRun) return found
  let id: number
  try {
    id = await uni.createList(run.listTitle)
  } catch (err) {
    // A previous attempt may have created it (answer lost), or a title race: look again first.
    const again = await find()
    if (again === null) throw err
    id = again
  }
  return id
}

/** The `planned` phase. */
export async function stepStart(ctx: StepContext): Promise<StepResult> {
  if (ctx.run.accountDeletedAt !== null) {
    return {
      kind: 'fail',
      code: 'account_deleted',
      message: 'The Unisender account of this sync was deleted; choose another account.',
    }
  }
  if (ctx.run.trigger !== 'reconcile') {
    ctx.cursor.prevRunId = await previousRunId(ctx.deps.d1, ctx.run.syncId, ctx.run.id)
  }
  const listId = await resolveList(ctx)
  ctx.cursor.listId = listId
  ctx.cursor.listExists = listId !== null
  if (listId !== null && ctx.run.listId === null) {
    // Stored on the sync at once (unfenced, idempotent) so a retry or the next run reuses it.
    ctx.extra.push(
      ctx.deps.d1
        .prepare('UPDATE syncs SET list_id = ?, updated_at = ? WHERE id = ? AND list_id IS NULL')
        .bind(listId, ctx.deps.now(), ctx.run.syncId)
    )
  }
  // A list that does not exist yet (dry run) has no fields to compare either.
  if (listId !== null) await resolveFields(ctx)
  // Incremental runs read only the changed customers and need no export (unless they turn full).
  if (listId !== null && ctx.run.kind === 'incremental' && !ctx.dryRun)
    return { kind: 'next', phase: 'incremental' }
  if (listId !== null) await startExport(ctx, listId)
  // A member of a shared read (docs/shared-read.md) waits for its leader's read instead.
  if (listId !== null && ctx.cursor.readId !== null) return { kind: 'next', phase: 'shared_wait' }
  return { kind: 'next', phase: 'read_crm' }
}

/** Starts (or restarts) the export of the list. */
export async function startExport(ctx: StepContext, listId: number): Promise<void> {
  const uni = await ctx.uni()
  const mapped = ctx.cursor.fields.filter((f) => f.exists).map((f) => f.target)
  const fields = [...EXPORT_FIELDS, ...mapped]
  ctx.cursor.taskUuid = await uni.exportContacts(listId, fields)
  ctx.cursor.exportAttempts++
  ctx.cursor.polls = 0
  ctx.cursor.fileUrl = null
  ctx.cursor.fileOffset = 0
  ctx.cursor.header = null
}
