/** Helpers of the sandbox Unisender export tests (test/sandbox/unisender/export-*.test.ts). */
import { installUnisenderSandbox } from './sandbox-unisender'

export type Task = { result: { task_uuid: string; status: string; file_to_download?: string } }

export function exportPairs(apiKey: string, listId: number, fields: string[]): [string, string][] {
  return [
    ['api_key', apiKey],
    ['list_id', String(listId)],
    ['notify_url', 'https://module.test/hook'],
    ...fields.map((f) => ['field_names[]', f] as [string, string]),
  ]
}

export async function setup(opts = {}) {
  const uni = await installUnisenderSandbox(opts)
  const acc = await uni.createAccount()
  const list = await uni.createList(acc, 'L')
  const other = await uni.createList(acc, 'Other')
  return { uni, acc, list, other }
}

/** Splits our CSV strictly: quoted fields, ',' delimiter, CRLF rows. */
export function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cells = line.match(/"((?:[^"]|"")*)"(,|$)/g) ?? []
      return cells.map((c) => c.replace(/,$/, '').slice(1, -1).replace(/""/g, '"'))
    })
}
