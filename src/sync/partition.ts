/**
 * Hash partitioning and packing of emails. The engine never holds S or L whole: while reading,
 * every email goes to one of PARTITIONS partitions by a stable hash, and each step appends one
 * packed row (many emails, newline-separated) per partition and side to run_chunks. The diff then
 * loads one partition at a time. Pure.
 */

/**
 * Number of partitions. Fixed (not derived from N) so that no estimate can go wrong. Fewer
 * partitions mean fewer staged rows (each read step writes one row per partition and side; D1
 * bills rows written, and again when they are deleted); more mean smaller diff steps. At
 * 1,000,000 emails a partition holds ~62,500 emails per side, ~10 MB of JS strings in one diff
 * step, and a full run stages ~3,200 segment rows instead of ~6,400 with 32 partitions.
 */
export const PARTITIONS = 16

/** FNV-1a 32-bit over UTF-16 code units: stable across runs and isolates. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** The partition of a normalised email. */
export function partitionOf(email: string, partitions = PARTITIONS): number {
  return hash32(email) % partitions
}

/**
 * Sub-ranges of a partition, by the next bits of the same hash. A diff step takes whole small
 * partitions, or a contiguous range of SUBS of one large partition (diff-slice.ts), so that what
 * one step holds stays under a fixed budget whatever N is: at 1,000,000 emails a partition holds
 * ~125,000 emails over both sides.
 */
export const SUBS = 64

/** The sub-range (0..SUBS-1) of a normalised email within its partition. */
export function subOf(email: string): number {
  return Math.floor(hash32(email) / PARTITIONS) % SUBS
}

/** Packs emails into one string (emails never contain a newline after validation/normalisation). */
export function pack(emails: readonly string[]): string {
  return emails.join('\n')
}

/** The inverse of pack. */
export function unpack(data: string): string[] {
  return data === '' ? [] : data.split('\n')
}

/** Groups emails by partition, in a reusable map (side tag -> partition -> emails). */
export class PartitionBuffer {
  private readonly sides = new Map<string, string[][]>()

  constructor(private readonly partitions = PARTITIONS) {}

  /** Adds `line` (default: the email itself) to the partition of `email`. */
  add(side: string, email: string, line = email): void {
    let parts = this.sides.get(side)
    if (!parts) {
      parts = Array.from({ length: this.partitions }, () => [])
      this.sides.set(side, parts)
    }
    parts[partitionOf(email, this.partitions)]!.push(line)
  }

  /** Non-empty (side, partition, emails) groups, in a stable order. */
  groups(): { side: string; partition: number; emails: string[] }[] {
    const out: { side: string; partition: number; emails: string[] }[] = []
    for (const [side, parts] of [...this.sides].sort(([a], [b]) => a.localeCompare(b))) {
      parts.forEach((emails, partition) => {
        if (emails.length > 0) out.push({ side, partition, emails })
      })
    }
    return out
  }

  get size(): number {
    let n = 0
    for (const parts of this.sides.values()) for (const p of parts) n += p.length
    return n
  }
}

/** Packs refusals as `reason<TAB>email` lines. */
export function packRefused(items: readonly { email: string; reason: string }[]): string[] {
  return items.map((i) => `${i.reason}\t${i.email}`)
}

/** Parses lines written by packRefused into a map email -> reason (those `keep` accepts). */
export function unpackRefused<R extends string>(
  data: string,
  into: Map<string, R>,
  keep: (email: string) => boolean = () => true
): void {
  for (const line of unpack(data)) {
    const tab = line.indexOf('\t')
    if (tab <= 0) continue
    const email = line.slice(tab + 1)
    if (keep(email)) into.set(email, line.slice(0, tab) as R)
  }
}
