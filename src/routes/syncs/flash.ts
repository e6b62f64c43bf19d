/** Flash lines a redirect may ask for with ?done=…, shared by the sync routes. */
import type { MessageKey } from '../../i18n'

export const FLASH_KEYS: Record<string, MessageKey> = {
  started: 'sync.started',
  running: 'sync.alreadyRunning',
  deleted: 'sync.deleted',
  confirmed: 'guard.confirmed',
  cancelled: 'guard.cancelled',
  guardSaved: 'guard.saved',
  guardInvalid: 'guard.invalid',
  accountGone: 'sync.accountGone',
}
