/**
 * A leader's fan-out (docs/shared-read.md): every customer the leader reads is classified once
 * and staged into each member whose source it belongs to, as the member's own read would have
 * staged it (same sides, partitions and lines, with the member's contact fields). The rows are
 * written by the leader's step batch, each statement conditional on the leader's fence and on the
 * member still waiting (fenced-writes.ts insertMemberChunks), and the member's counts are kept in
 * the leader's cursor until the member takes them.
 */
import type { Customer } from '../clients/retailcrm'
import type { StagedReject, StepContext } from './context'
import type { ChunkRow } from './fenced-writes'
import { insertMemberChunks, insertMemberRejects } from './fenced-writes'
import { memberLine } from './field-lines'
import type { CustomerClass } from './normalize'
import { PartitionBuffer } from './partition'
import { GROUP_REJECTS_PER_STEP, inSource, SHARED_SEQ_BASE, SIDE_OF } from './shared-read'
import { type LeadMember, REJECT_CAP } from './state'

/** One step's staging for the members of a leader's read. */
export class SharedFanOut {
  private readonly bufs: PartitionBuffer[]
  private readonly rejects: StagedReject[][]

  constructor(
    private readonly ctx: StepContext,
    private readonly members: LeadMember[],
    /** Reading the whole base: serve each member only its source's customers. */
    private readonly base: boolean
  ) {
    this.bufs = members.map(() => new PartitionBuffer())
    this.rejects = members.map(() => [])
  }

  /** Serves one customer, classified once by the leader, to every member it belongs to. */
  add(cust: Customer, k: CustomerClass): void {
    this.members.forEach((m, i) => {
      if (this.base && !inSource(cust, m.code)) return
      m.read++
      if (k.kind === 'invalid') {
        m.invalid++
        if (m.rejects < REJECT_CAP && this.rejects[i]!.length < GROUP_REJECTS_PER_STEP) {
          m.rejects++
          this.rejects[i]!.push({
            email: cust.email ?? '',
            reason: 'invalid_email',
            detail: `customer ${cust.id}`,
          })
        }
        return
      }
      const fields = k.kind === 'valid' ? m.fields : []
      this.bufs[i]!.add(SIDE_OF[k.kind], k.email, memberLine(k.email, cust, fields))
    })
  }

  /** Moves what was staged into the step's batch (ctx.extra), then starts empty again. */
  flush(): void {
    const { ctx } = this
    const d1 = ctx.deps.d1
    this.members.forEach((m, i) => {
      const rows: ChunkRow[] = this.bufs[i]!.groups().map((g) => ({
        side: g.side,
        bucket: g.partition,
        seq: SHARED_SEQ_BASE + ctx.cursor.chunkSeq++,
        emails: g.emails,
      }))
      const target = { id: m.id, tenantId: ctx.run.tenantId }
      ctx.extra.push(
        ...insertMemberChunks(d1, ctx.fence, target, rows),
        ...insertMemberRejects(d1, ctx.fence, target, this.rejects[i]!)
      )
      this.bufs[i] = new PartitionBuffer()
      this.rejects[i] = []
    })
  }
}
