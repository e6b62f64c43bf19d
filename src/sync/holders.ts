/**
 * The holder index: which customer held each address of the segment at the last complete full run,
 * so that an exact-mode incremental run can prove an address is no longer held by any member
 * before it removes it (src/schedule/incremental.ts). Pure.
 *
 * One entry per address of a partition's valid and role members: the address's 32-bit hash (not
 * the address: ~13 bytes per member instead of ~35), the customer id — or 0 when several customers
 * held it or two addresses share the hash (then nothing can be proven and the run goes full) — and
 * whether the address is in the list after the run. Entries are staged as run_chunks rows of side
 * 'H' of the full run (one or more rows per partition); incremental runs append the members they
 * saw as further rows (negative seq) of the same run, so the index stays current until the next
 * full run replaces it.
 */
import { hash32 } from './partition'

/** One holder entry. */
export interface HolderEntry {
  hash: number
  /** Customer id, or 0 = shared (more than one holder, or a hash collision). */
  id: number
  /** The address is a member of the list (was there, or the run added it). */
  inList: boolean
}

/** Entries per staged row: ~13 bytes each keeps a row near 260 kB, well under D1's 2 MB. */
export const HOLDER_ROW_ENTRIES = 20_000

/** Encodes entries as lines `hash36,id36,flag`. */
export function encodeHolders(entries: readonly HolderEntry[]): string[] {
  return entries.map((e) => `${e.hash.toString(36)},${e.id.toString(36)},${e.inList ? 1 : 0}`)
}

/** Decodes one staged row (lines joined by newlines), calling `visit` per entry. */
export function scanHolders(data: string, visit: (e: HolderEntry) => void): void {
  let start = 0
  while (start < data.length) {
    let end = data.indexOf('\n', start)
    if (end < 0) end = data.length
    const line = data.slice(start, end)
    const a = line.indexOf(',')
    const b = line.indexOf(',', a + 1)
    if (a > 0 && b > a)
      visit({
        hash: Number.parseInt(line.slice(0, a), 36),
        id: Number.parseInt(line.slice(a + 1, b), 36),
        inList: line.slice(b + 1) === '1',
      })
    start = end + 1
  }
}

/**
 * Builds the entries of one partition from its members' (address, customer id) pairs and the
 * addresses that are in the list after the run.
 */
export function buildHolders(
  members: Iterable<readonly [email: string, customerId: number]>,
  inList: (email: string) => boolean
): HolderEntry[] {
  const byHash = new Map<number, { email: string; id: number }>()
  for (const [email, id] of members) {
    const h = hash32(email)
    const prev = byHash.get(h)
    if (!prev) byHash.set(h, { email, id })
    else if (prev.id !== id || prev.email !== email) prev.id = 0
  }
  const out: HolderEntry[] = []
  for (const [hash, v] of byHash) out.push({ hash, id: v.id, inList: inList(v.email) })
  return out.sort((x, y) => x.hash - y.hash)
}

/** Splits a line of a staged member side (`email<TAB>customerId`, or a bare email) in two. */
export function splitMemberLine(line: string): [email: string, customerId: number] {
  const tab = line.indexOf('\t')
  if (tab < 0) return [line, 0]
  return [line.slice(0, tab), Number(line.slice(tab + 1)) || 0]
}

/** What the index says about some addresses and some customers (see lookUpHolders). */
export interface HolderFacts {
  /** Address hash → its entries (base and appended). */
  byHash: Map<number, HolderEntry[]>
  /** Customer id → the hashes of the addresses it held. */
  heldBy: Map<number, Set<number>>
}

/**
 * Collects, from staged rows, the entries of the wanted hashes and the hashes held by the wanted
 * customers, in one pass over each row (rows may be visited one partition at a time).
 */
export function collectHolders(
  into: HolderFacts,
  data: string,
  hashes: ReadonlySet<number>,
  customers: ReadonlySet<number>
): void {
  scanHolders(data, (e) => {
    if (hashes.has(e.hash)) {
      const list = into.byHash.get(e.hash) ?? []
      list.push(e)
      into.byHash.set(e.hash, list)
    }
    if (e.id !== 0 && customers.has(e.id)) {
      const set = into.heldBy.get(e.id) ?? new Set<number>()
      set.add(e.hash)
      into.heldBy.set(e.id, set)
    }
  })
}
