/**
 * async/exportContacts and async/getTaskResult. Like the real service, the file is prepared in the
 * background, independent of polling: exportContacts starts building it (export-store.ts) in the
 * Worker's waitUntil. A task is due `exportReadyAfterMs` after it was created on the (injectable)
 * clock, or after `exportReadyAfterPolls` polls (a test shortcut), whichever comes first; the
 * first poll that finds it due and its file built answers `completed` with `file_to_download`.
 * When nothing builds the file (no execution context, or the background build stopped making
 * progress for BUILD_STALE_MS), that due poll builds the rest itself, so one poll after the task
 * is due always suffices. Statuses: `new` until the first batch of the file is written, then
 * `processing`, then `completed`. The timing is UNCONFIRMED (README.md).
 */
import type { MethodContext } from '../context'
import { invalidArg } from '../errors'
import { EXPORT_FIELDS, type ExportSpec } from '../export-file'
import { buildRest, createTask, loadTask, saveProgress } from '../export-store'
import { accountFields } from '../fields'
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
  const user = new Map((await accountFields(ctx.db, ctx.account.id)).map((d) => [d.name, d.type]))
  const fieldTypes: Record<string, string> = {}
  const fields = indexedArray(ctx.params.field_names, 'field_names').map((f) => {
    if (typeof f === 'string' && user.has(f)) fieldTypes[f] = user.get(f)!
    else if (typeof f !== 'string' || !EXPORT_FIELDS.has(f))
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
    fieldTypes,
    emailStatus,
    email: str(ctx.params, 'email') || undefined,
    tag: str(ctx.params, 'tag') || undefined,
  }
}

/** A background build that has not written a batch for this long is taken over by a due poll. */
export const BUILD_STALE_MS = 15_000

/** Builds the file of `uuid` in the background, noting its progress for getTaskResult. */
function buildInBackground(
  ctx: MethodContext,
  uuid: string,
  run: (work: () => Promise<unknown>) => void
) {
  const { state, db } = ctx
  state.building.set(uuid, state.now())
  const note = () => state.building.set(uuid, state.now())
  run(() => {
    const t0 = Date.now()
    return buildRest(db, uuid, state.exportPagesPerPoll, note)
      .then((built) => {
        // Wall time of the build (workerd's clock advances across I/O), for the sandbox log.
        console.log(`unisender sandbox: export ${uuid} built=${built} in ${Date.now() - t0} ms`)
      })
      .catch((err: unknown) => {
        // The task stays unbuilt; a due poll takes over (the sandbox log shows why).
        console.error(`unisender sandbox: export ${uuid} background build failed: ${String(err)}`)
      })
      .finally(() => state.building.delete(uuid))
  })
}

export async function exportContacts(ctx: MethodContext) {
  const spec = await readSpec(ctx)
  const uuid = crypto.randomUUID()
  await createTask(ctx.db, uuid, spec, ctx.now)
  const waitUntil = ctx.waitUntil
  // Starts after a macrotask: begun synchronously, the build's first D1 calls held the answer
  // back in local workerd for about as long as the whole build (measured: 676 ms vs 19–35 ms for
  // a 200,000-contact list).
  const run =
    ctx.state.background ??
    (waitUntil && ((work) => waitUntil(new Promise((r) => setTimeout(r, 0)).then(work))))
  if (run) buildInBackground(ctx, uuid, run)
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
  const { state } = ctx
  const polls = task.polls + 1
  const due =
    polls >= state.exportReadyAfterPolls || ctx.now - task.createdAt >= state.exportReadyAfterMs
  let built = task.built
  let started = task.seq > 0
  if (due && !built) {
    const progress = state.building.get(uuid)
    if (progress === undefined || ctx.now - progress >= BUILD_STALE_MS) {
      built = await buildRest(ctx.db, uuid, state.exportPagesPerPoll)
      started = true
    }
  }
  const ready = task.status === 'completed' || (due && built)
  const status = ready ? 'completed' : started || state.building.has(uuid) ? 'processing' : 'new'
  await saveProgress(ctx.db, uuid, polls, status)
  const out: Record<string, unknown> = { task_uuid: uuid, status, task_type: 'export_contacts' }
  if (ready) out.file_to_download = fileUrl(ctx.base, uuid)
  return out
}
