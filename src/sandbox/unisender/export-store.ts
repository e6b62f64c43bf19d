/**
 * Export tasks and their files. The file is materialised while the task is processing — in
 * bounded, resumable batches of pages, by a background build started with the export (or by the
 * first poll that finds the task due when nothing builds it) — into chunks of UTF-8 text with their
 * byte offsets. The file is then a snapshot (later list changes do not alter it), its size is known,
 * and byte ranges can be served without re-reading the list. Tasks and files expire after
 * FILE_TTL_MS (the real link lifetime is UNCONFIRMED).
 */
import { type ExportSpec, headerText, nextPage } from './export-file'

export const FILE_TTL_MS = 24 * 60 * 60 * 1000

export interface ExportTask {
  uuid: string
  accountId: number
  spec: ExportSpec
  createdAt: number
  polls: number
  status: string
  cursor: number
  seq: number
  size: number
  built: boolean
}

type TaskRecord = Omit<ExportTask, 'accountId' | 'spec' | 'createdAt' | 'built'> & {
  account_id: number
  spec: string
  created_at: number
  built: number
}

const utf8 = new TextEncoder()

export async function createTask(db: D1Database, uuid: string, spec: ExportSpec, now: number) {
  await db.batch([
    // Expired files of this account go when it starts a new export (bounded sandbox storage).
    db
      .prepare(
        'DELETE FROM uni_export_chunks WHERE uuid IN (SELECT uuid FROM uni_export_tasks WHERE account_id = ? AND created_at < ?)'
      )
      .bind(spec.accountId, now - FILE_TTL_MS),
    db
      .prepare('DELETE FROM uni_export_tasks WHERE account_id = ? AND created_at < ?')
      .bind(spec.accountId, now - FILE_TTL_MS),
    db
      .prepare(
        "INSERT INTO uni_export_tasks (uuid, account_id, spec, created_at, status) VALUES (?, ?, ?, ?, 'new')"
      )
      .bind(uuid, spec.accountId, JSON.stringify(spec), now),
  ])
}

export async function loadTask(db: D1Database, uuid: string): Promise<ExportTask | null> {
  const r = await db
    .prepare('SELECT * FROM uni_export_tasks WHERE uuid = ?')
    .bind(uuid)
    .first<TaskRecord>()
  if (!r) return null
  return {
    uuid: r.uuid,
    accountId: r.account_id,
    spec: JSON.parse(r.spec) as ExportSpec,
    createdAt: r.created_at,
    polls: r.polls,
    status: r.status,
    cursor: r.cursor,
    seq: r.seq,
    size: r.size,
    built: r.built === 1,
  }
}

/** Counts a poll and records the status it answered (`completed` is never taken back). */
export async function saveProgress(db: D1Database, uuid: string, polls: number, status: string) {
  await db
    .prepare(
      "UPDATE uni_export_tasks SET polls = ?, status = CASE status WHEN 'completed' THEN status ELSE ? END WHERE uuid = ?"
    )
    .bind(polls, status, uuid)
    .run()
}

/**
 * Writes up to `maxPages` more pages of the file in one D1 batch. Every write of the batch is
 * conditional on the task still being where `task` says, so two builders of one file (the
 * background build and a poll that took over) can race without corrupting it: the loser's batch
 * writes nothing. Returns the task as this batch left it, or null when another builder won.
 */
async function buildSome(
  db: D1Database,
  task: ExportTask,
  maxPages: number
): Promise<ExportTask | null> {
  if (task.built) return task
  let { cursor, seq, size } = task
  let built = false
  const stmts: D1PreparedStatement[] = []
  const chunk = (text: string) => {
    const bytes = utf8.encode(text).length
    stmts.push(
      db
        .prepare(
          `INSERT OR REPLACE INTO uni_export_chunks (uuid, seq, start, bytes, data)
           SELECT ?, ?, ?, ?, ? WHERE EXISTS
             (SELECT 1 FROM uni_export_tasks WHERE uuid = ? AND seq = ? AND built = 0)`
        )
        .bind(task.uuid, seq, size, bytes, text, task.uuid, task.seq)
    )
    seq++
    size += bytes
  }
  if (seq === 0) chunk(headerText(task.spec.fields))
  for (let p = 0; p < maxPages && !built; p++) {
    const page = await nextPage(db, task.spec, cursor)
    if (page.text !== '') chunk(page.text)
    cursor = page.last
    built = page.done
  }
  stmts.push(
    db
      .prepare(
        'UPDATE uni_export_tasks SET cursor = ?, seq = ?, size = ?, built = ? WHERE uuid = ? AND seq = ? AND built = 0'
      )
      .bind(cursor, seq, size, built ? 1 : 0, task.uuid, task.seq)
  )
  const results = await db.batch(stmts)
  if ((results.at(-1)?.meta.changes ?? 0) === 0) return null
  return { ...task, cursor, seq, size, built }
}

/**
 * Builds the rest of the file, `pagesPerBatch` pages per D1 batch; `onProgress` after each batch.
 * Returns whether the file is complete (false when another builder holds it and has not
 * finished yet, or the task is gone).
 */
export async function buildRest(
  db: D1Database,
  uuid: string,
  pagesPerBatch: number,
  onProgress: () => void = () => {}
): Promise<boolean> {
  let task = await loadTask(db, uuid)
  while (task && !task.built) {
    const next = await buildSome(db, task, pagesPerBatch)
    if (!next) return (await loadTask(db, uuid))?.built ?? false
    task = next
    onProgress()
  }
  return task?.built ?? false
}

/** Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; null = serve the whole file. */
export function parseRange(
  header: string | null,
  size: number
): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '')
  if (!m || (m[1] === '' && m[2] === '')) return null
  let start: number
  let end: number
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]))
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (start >= size || start > end) return 'unsatisfiable'
  return { start, end }
}

/** Streams bytes [start, end] of a built file, a few chunks per pull. */
export function streamFile(db: D1Database, uuid: string, start: number, end: number) {
  let from = -1
  let pos = start
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (from < 0) {
        const first = await db
          .prepare(
            'SELECT seq FROM uni_export_chunks WHERE uuid = ? AND start <= ? ORDER BY seq DESC LIMIT 1'
          )
          .bind(uuid, start)
          .first<{ seq: number }>()
        from = first?.seq ?? 0
      }
      const { results } = await db
        .prepare(
          'SELECT seq, start, data FROM uni_export_chunks WHERE uuid = ? AND seq >= ? ORDER BY seq LIMIT 4'
        )
        .bind(uuid, from)
        .all<{ seq: number; start: number; data: string }>()
      for (const c of results) {
        const bytes = utf8.encode(c.data)
        const lo = Math.max(0, pos - c.start)
        const hi = Math.min(bytes.length, end + 1 - c.start)
        if (hi > lo) controller.enqueue(bytes.subarray(lo, hi))
        pos = Math.max(pos, c.start + hi)
        from = c.seq + 1
        if (pos > end) break
      }
      if (pos > end || results.length === 0) controller.close()
    },
  })
}
