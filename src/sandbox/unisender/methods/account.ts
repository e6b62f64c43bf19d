/** getUserInfo and getTotalContactsCount: the account, its plan's contact limit and usage. */
import type { MethodContext } from '../context'
import { UniError } from '../errors'
import { requiredStr, str } from '../params'
import { formatTime } from './contacts'

/**
 * getUserInfo. The documented fields plus the Go client's `subscribers_total`/`subscribers_used`,
 * whose meaning is UNCONFIRMED: here `subscribers_total` is the plan's contact limit and
 * `subscribers_used` the contacts the account holds now. `api_mode` is 'on', or 'test' in test mode
 * (UNCONFIRMED values). `login` of another account is refused (only resellers may ask).
 */
export async function getUserInfo(ctx: MethodContext) {
  const { account } = ctx
  const login = str(ctx.params, 'login')
  if (login !== undefined && login !== '' && login !== account.login) {
    throw new UniError('access_denied', 'Access denied')
  }
  return {
    login: account.login,
    email: account.email,
    firstname: 'Demo',
    lastname: 'Sandbox',
    reg_time: formatTime(account.createdAt),
    timezone: 'Europe/Moscow',
    master: null,
    balance: account.balance,
    currency: account.currency,
    emails_paid: 0,
    emails_used: 0,
    period_emails_paid: 0,
    period_emails_used: 0,
    tariff_id: 1,
    next_tariff_id: 1,
    api_mode: account.testMode ? 'test' : 'on',
    subscribers_total: account.contactLimit,
    subscribers_used: account.contactCount,
  }
}

/** getTotalContactsCount: `login` is required and must be the key's own account. */
export async function getTotalContactsCount(ctx: MethodContext): Promise<{ total: number }> {
  const login = requiredStr(ctx.params, 'login')
  if (login !== ctx.account.login) throw new UniError('access_denied', 'Access denied')
  return { total: ctx.account.contactCount }
}
