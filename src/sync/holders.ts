/**
 * The holder index: which customer held each address of the segment at the last complete full run,
 * so that an exact-mode incremental run can prove an address is no longer held by any member
 * before it removes it (src/sync/incremental-exact.ts). Pure.
 *
 * One entry per address of a partition's valid and role members: a 64-bit key of the address (two
 * independent 32-bit hashes, not the address), the customer id — or 0 when several customers held
 * it or two addresses share the key (then nothing can be proven and the run goes full) — and
 * whether the address is in the list after the run. With one 32-bit hash, a 1,000,000-member index
 * had ~100 colliding pairs, enough to send a 1% change to a full run (measured); 64 bits make a
 * collision about one in ten million runs. Entries are staged as run_chunks rows of side 'H' of the
 * full run (one or more rows per partition); incremental runs append the members they saw as
 * further rows (negative seq) of the same run, so the index stays current until the next full run
 * replaces it.
 */
import { hash32, PARTITIONS } from './partition'

/** A second 32-bit hash (multiply-xorshift), independent of FNV-1a's. */
function hash32b(s: string): number {
  let h = 0x9747b28c
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995)
    h ^= h >>> 15
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The index key of a normalised address: both hashes, 7 base-36 digits each. */
export function holderKey(email: string): string {
  return hash32(email).toString(36).padStart(7, '0') + hash32b(email).toString(36).padStart(7, '0')
}

/** The partition of a key (the same as partitionOf of its address: the first hash). */
export function keyPartition(key: string): number {
  return Number.parseInt(key.slice(0, 7), 36) % PARTITIONS
}

/** One holder entry. */
export interface HolderEntry {
  /** holderKey of the address. */
  hash: string
  /** Customer id, or 0 = shared (more than one holder, or a hash collision). */
  id: number
  /** The address is a member of the list (was there, or the run added it). */
  inList: boolean
}

/**
 * Entries per staged row: about 23 bytes each (14-character key, base-36 id, flag) keeps a row
 * under 0.5 MB, well under D1's 2 MB.
 */
export const HOLDER_ROW_ENTRIES = 20_000

/** Encodes entries as lines `key,id36,flag`. */
export function encodeHolders(entries: readonly HolderEntry[]): string[] {
  return entries.map((e) => `${e.hash},${e.id.toString(36)},${e.inList ? 1 : 0}`)
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
        hash: line.slice(0, a),
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
  const byHash = new Map<string, { email: string; id: number }>()
  for (const [email, id] of members) {
    const h = holderKey(email)
    const prev = byHash.get(h)
    if (!prev) byHash.set(h, { email, id })
    else if (prev.id !== id || prev.email !== email) prev.id = 0
  }
  const out: HolderEntry[] = []
  for (const [hash, v] of byHash) out.push({ hash, id: v.id, inList: inList(v.email) })
  return out.sort((x, y) => (x.hash < y.hash ? -1 : x.hash > y.hash ? 1 : 0))
}

/** Splits a line of a staged member side (`email<TAB>customerId`, or a bare email) in two. */
export function splitMemberLine(line: string): [email: string, customerId: number] {
  const tab = line.indexOf('\t')
  if (tab < 0) return [line, 0]
  return [line.slice(0, tab), Number(line.slice(tab + 1)) || 0]
}

/** What the index says about some addresses and some customers (see collectHolders). */
export interface HolderFacts {
  /** Address key → its entries (base and appended). */
  byHash: Map<string, HolderEntry[]>
  /** Customer id → the keys of the addresses it held. */
  heldBy: Map<number, Set<string>>
}

/**
 * Collects, from staged rows, the entries of the wanted hashes and the hashes held by the wanted
 * customers, in one pass over each row (rows may be visited one partition at a time).
 */
export function collectHolders(
  into: HolderFacts,
  data: string,
  hashes: ReadonlySet<string>,
  customers: ReadonlySet<number>
): void {
  scanHolders(data, (e) => {
    if (hashes.has(e.hash)) {
      const list = into.byHash.get(e.hash) ?? []
      list.push(e)
      into.byHash.set(e.hash, list)
    }
    if (e.id !== 0 && customers.has(e.id)) {
      const set = into.heldBy.get(e.id) ?? new Set<string>()
      set.add(e.hash)
      into.heldBy.set(e.id, set)
    }
  })
}
