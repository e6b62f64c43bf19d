/**
 * The tone of the one-time line a redirect asks for with ?done=…: only a finished change is a
 * success; a started run is a note (it has not done anything yet) and a refused start a warning.
 */
import type { FlashKind } from './layout'

const KINDS: Record<string, FlashKind> = {
  started: 'info',
  running: 'warning',
  confirmed: 'info',
  cancelled: 'info',
  guardInvalid: 'warning',
  accountGone: 'warning',
}

/** The tone of the flash for a `done` value (success unless it says otherwise). */
export function flashKindOf(done: string | undefined): FlashKind {
  return (done && KINDS[done]) || 'success'
}
