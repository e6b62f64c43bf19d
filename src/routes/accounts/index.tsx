/**
 * "Мои аккаунты": list, add, edit and delete Unisender accounts. A key is checked against Unisender
 * before anything is saved; an invalid key, disabled API or unconfirmed test mode re-shows the form
 * with the reason and saves nothing. Keys are stored encrypted and only ever shown masked.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import {
  accountPlan,
  checkUnisenderKey,
  type KeyCheck,
  loginMismatch,
  storedKeyLogin,
} from '../../accounts/unisender-key'
import { clientSettings, sealUnisenderKey } from '../../credentials/clients'
import {
  createAccount,
  deleteAccount,
  findAccountByLogin,
  getAccount,
  listAccounts,
  listSyncsUsing,
  resumeSyncsOfLogin,
  updateAccount,
} from '../../db/queries/accounts'
import { hasFinishedRun } from '../../db/queries/syncs'
import type { AppEnv } from '../../env'
import type { T } from '../../i18n'
import { maskKey } from '../../lib/crypto'
import {
  AccountDeletePage,
  AccountFormPage,
  type AccountFormProps,
  KEY_MAX,
  LOGIN_MAX,
} from '../../ui/pages/account-form'
import { AccountsPage } from '../../ui/pages/accounts'
import { sourceLabel, targetLabel } from '../../ui/pages/syncs-list'
import { renderer, tr, uiLocale } from '../../ui/renderer'
import { formStrings, idParam, notFound } from '../ui-helpers'

type Errors = AccountFormProps['errors']

/** Validates the form fields; `keyRequired` is false when editing (empty = keep the key). */
function validate(t: T, f: Record<string, string>, keyRequired: boolean) {
  const errors: Errors = {}
  const login = f.login ?? ''
  const apiKey = f.apiKey ?? ''
  if (!login) errors.login = t('accounts.err.loginRequired')
  else if (login.length > LOGIN_MAX)
    errors.login = t('accounts.err.loginTooLong', { max: LOGIN_MAX })
  if (!apiKey && keyRequired) errors.apiKey = t('accounts.err.keyRequired')
  else if (apiKey && !z.string().regex(/^\S+$/).max(KEY_MAX).safeParse(apiKey).success)
    errors.apiKey = t('accounts.err.keyFormat', { max: KEY_MAX })
  return { login, apiKey, errors }
}

/** The form error for a failed key check. */
function keyError(t: T, check: Extract<KeyCheck, { ok: false }>): string {
  if (check.reason === 'invalid_key') return t('accounts.err.invalidKey')
  if (check.reason === 'access_denied') return t('accounts.err.accessDenied')
  return t('accounts.err.unreachable', { message: check.message })
}

/**
 * Why a checked key cannot be saved under `login` for account `selfId` (undefined when new): the
 * key belongs to another login, or its login is already one of the tenant's accounts.
 */
async function ownerError(
  c: Context<AppEnv>,
  keyLogin: string | undefined,
  login: string,
  selfId?: number
): Promise<Errors | null> {
  const t = tr(c)
  const owner = keyLogin ?? login
  const existing = await findAccountByLogin(c.var.db, c.var.tenant.id, owner)
  if (existing && existing.id !== selfId)
    return { apiKey: t('accounts.err.duplicate', { login: existing.login }) }
  if (loginMismatch(keyLogin, login))
    return { login: t('accounts.err.loginMismatch', { owner, login }) }
  return null
}

export const accounts = new Hono<AppEnv>()
accounts.use(renderer)

accounts.get('/', async (c) => {
  const t = tr(c)
  const rows = await listAccounts(c.var.db, c.var.tenant.id)
  const cards = await Promise.all(
    rows.map(async (a) => ({
      id: a.id,
      login: a.login,
      maskedKey: a.apiKeyHint,
      testMode: a.testMode,
      syncCount: a.syncCount,
      plan: await accountPlan(clientSettings(c.env), a),
    }))
  )
  const done = c.req.query('done')
  const flashKey = {
    saved: 'accounts.saved',
    savedResumed: 'accounts.savedResumed',
    deleted: 'accounts.deleted',
    deletedMoved: 'accounts.deletedMoved',
  } as const
  const key = flashKey[done as keyof typeof flashKey]
  const flash = key ? t(key) : undefined
  const checklist = {
    hasAccount: rows.length > 0,
    hasSync: cards.some((a) => a.syncCount > 0),
    firstRunDone: await hasFinishedRun(c.var.db, c.var.tenant.id),
  }
  return c.render(
    <AccountsPage t={t} locale={uiLocale(c)} accounts={cards} checklist={checklist} />,
    {
      title: t('accounts.title'),
      active: 'accounts',
      flash,
    }
  )
})

accounts.get('/new', (c) => {
  const t = tr(c)
  return c.render(<AccountFormPage t={t} csrf={c.var.csrfToken} values={{}} errors={{}} />, {
    title: t('accounts.formNew'),
    active: 'accounts',
  })
})

/**
 * Renders the new/edit account form; with errors or the test-mode question it answers 422.
 * One place for both forms, so "Новый аккаунт" and editing stay alike.
 */
function formPage(
  c: Context<AppEnv>,
  p: {
    account?: { id: number; apiKeyHint: string }
    login: string
    errors: Errors
    testModeWarning?: boolean
  }
) {
  const t = tr(c)
  if (Object.keys(p.errors).length > 0 || p.testModeWarning) c.status(422)
  return c.render(
    <AccountFormPage
      t={t}
      csrf={c.var.csrfToken}
      accountId={p.account?.id}
      maskedKey={p.account?.apiKeyHint}
      values={{ login: p.login }}
      errors={p.errors}
      testModeWarning={p.testModeWarning}
    />,
    { title: t(p.account ? 'accounts.formEdit' : 'accounts.formNew'), active: 'accounts' }
  )
}

accounts.post('/', async (c) => {
  const t = tr(c)
  const f = await formStrings(c)
  const { login, apiKey, errors } = validate(t, f, true)
  const show = (e: Errors, testModeWarning = false) =>
    formPage(c, { login, errors: e, testModeWarning })
  if (errors.login || errors.apiKey) return show(errors)
  if (await findAccountByLogin(c.var.db, c.var.tenant.id, login))
    return show({ login: t('accounts.err.duplicate', { login }) })
  const check = await checkUnisenderKey(clientSettings(c.env), apiKey)
  if (!check.ok) return show({ apiKey: keyError(t, check) })
  const owner = await ownerError(c, check.login, login)
  if (owner) return show(owner)
  if (check.testMode && f.acceptTestMode !== '1') return show({}, true)
  const tenantId = c.var.tenant.id
  const settings = clientSettings(c.env)
  const now = Date.now()
  const account = await createAccount(
    c.var.db,
    { tenantId, login, apiKeyHint: maskKey(apiKey), testMode: check.testMode, now },
    (id) => sealUnisenderKey(settings, { id, tenantId }, apiKey)
  )
  // The same login added again: the syncs its deletion paused resume, and the flash says so.
  const resumed = await resumeSyncsOfLogin(c.var.db, tenantId, login, account.id, now)
  return c.redirect(`/accounts?done=${resumed ? 'savedResumed' : 'saved'}`, 303)
})

accounts.get('/:id/edit', async (c) => {
  const a = (await getAccount(c.var.db, c.var.tenant.id, idParam(c))) ?? notFound()
  return formPage(c, { account: a, login: a.login, errors: {} })
})

accounts.post('/:id', async (c) => {
  const t = tr(c)
  const tenantId = c.var.tenant.id
  const a = (await getAccount(c.var.db, tenantId, idParam(c))) ?? notFound()
  const f = await formStrings(c)
  const { login, apiKey, errors } = validate(t, f, false)
  const show = (e: Errors, testModeWarning = false) =>
    formPage(c, { account: a, login, errors: e, testModeWarning })
  if (errors.login || errors.apiKey) return show(errors)
  const other = await findAccountByLogin(c.var.db, tenantId, login)
  if (other && other.id !== a.id) return show({ login: t('accounts.err.duplicate', { login }) })
  if (!apiKey) {
    if (login.toLowerCase() !== a.login.toLowerCase()) {
      const owner = await ownerError(c, await storedKeyLogin(clientSettings(c.env), a), login, a.id)
      if (owner) return show(owner)
    }
    await updateAccount(c.var.db, tenantId, a.id, { login, testMode: a.testMode, now: Date.now() })
    return c.redirect('/accounts?done=saved', 303)
  }
  const check = await checkUnisenderKey(clientSettings(c.env), apiKey)
  if (!check.ok) return show({ apiKey: keyError(t, check) })
  const owner = await ownerError(c, check.login, login, a.id)
  if (owner) return show(owner)
  if (check.testMode && f.acceptTestMode !== '1') return show({}, true)
  await updateAccount(c.var.db, tenantId, a.id, {
    login,
    testMode: check.testMode,
    apiKeyEnc: await sealUnisenderKey(clientSettings(c.env), a, apiKey),
    apiKeyHint: maskKey(apiKey),
    now: Date.now(),
  })
  return c.redirect('/accounts?done=saved', 303)
})

accounts.get('/:id/delete', async (c) => {
  const t = tr(c)
  const tenantId = c.var.tenant.id
  const a = (await getAccount(c.var.db, tenantId, idParam(c))) ?? notFound()
  const [used, all] = await Promise.all([
    listSyncsUsing(c.var.db, tenantId, a.id),
    listAccounts(c.var.db, tenantId),
  ])
  return c.render(
    <AccountDeletePage
      t={t}
      csrf={c.var.csrfToken}
      id={a.id}
      login={a.login}
      syncs={used.map((s) => ({ id: s.id, label: `${sourceLabel(t, s)} → ${targetLabel(t, s)}` }))}
      targets={all.filter((o) => o.id !== a.id).map((o) => ({ id: o.id, login: o.login }))}
    />,
    { title: t('accounts.deleteTitle', { login: a.login }), active: 'accounts' }
  )
})

accounts.post('/:id/delete', async (c) => {
  const tenantId = c.var.tenant.id
  const a = (await getAccount(c.var.db, tenantId, idParam(c))) ?? notFound()
  const f = await formStrings(c)
  // "Перенести синхронизации на аккаунт": only another live account of this tenant.
  const wanted = z.coerce.number().int().positive().safeParse(f.moveTo)
  const target =
    wanted.success && wanted.data !== a.id
      ? await getAccount(c.var.db, tenantId, wanted.data)
      : null
  await deleteAccount(c.var.db, tenantId, a.id, Date.now(), target?.id)
  return c.redirect(`/accounts?done=${target ? 'deletedMoved' : 'deleted'}`, 303)
})
