/** Types of report.mjs for the TypeScript test (test/bench/report.test.ts). */
export interface Counts {
  read: number
  adds: number
  removes: number
}
export interface Bound {
  pages: number
  imports: number
  readS: number
  writeS: number
  totalS: number
}
export const LIMITS: {
  crmPerSecond: number
  crmPageSize: number
  uniPerMinute: number
  uniImportRows: number
}
export function rateBound(c: Counts, scale?: number): Bound
export function minimumCalls(c: Counts & { newList?: boolean; incremental?: boolean }): {
  crm: number
  unisender: number
}
export function summarize(steps: Record<string, unknown>[]): Record<string, number>
export function table(rows: unknown[]): string
export function targets(
  x: Record<string, unknown>
): { name: string; verdict: string; detail: string }[]
export function liveHeap(r: Record<string, unknown> | null | undefined): number | null
export function fmt(n: number | null | undefined, d?: number): string
export function mib(b: number): string
