/**
 * "Unisender": the sync list, "Создать новую синхронизацию", the sync page, edit and delete.
 * Saving starts a run at once; "Проверить (пробный запуск)" saves the sync as a paused draft
 * (pausedReason 'draft', never scheduled) and starts a dry run of it, so the user sees what would be
 * added and removed before activating it ("Сохранить и запустить", or "Сохранить" on the edit
 * form) or deleting the draft. The edit form offers the same check for the changed settings.
 */
import type { Context } from 'hono'
import { Hono } from 'hono'
import { listAccounts } from '../../db/queries/accounts'
import {
  deleteSync,
  hasFinishedRun,
  insertSync,
  listSyncs,
  updateSync,
} from '../../db/queries/syncs'
import type { AppEnv } from '../../env'
import { DEFAULT_FIELD_MAP, parseFieldMap, startRun } from '../../sync'
import {
  comparableRun,
  estimateNewContacts,
  loadFormFieldOptions,
  loadLists,
  loadSegments,
  planTooSmall,
  validateSyncForm,
} from '../../sync-settings/form'
import { type SyncFormErrors, type SyncFormValues, valuesFrom } from '../../sync-settings/values'
import { SyncFormPage } from '../../ui/pages/sync-form'
import { SyncDeletePage } from '../../ui/pages/sync-page'
import { SyncsPage } from '../../ui/pages/syncs-list'
import { renderer, tr, uiLocale } from '../../ui/renderer'
import { formStrings, idParam, notFound } from '../ui-helpers'
import { syncActions } from './actions'
import { formDeps as deps, runDeps } from './deps'
import { FLASH_KEYS } from './flash'
import { loadSync } from './load-sync'
import { syncView } from './view'

/** Renders the form with live segments and the chosen account's lists. */
async function showForm<E extends AppEnv>(
  c: Context<E>,
  values: SyncFormValues,
  errors: SyncFormErrors,
  opts: {
    syncId?: number
    plan?: { need: number; left: number; total: number }
    sharedWith?: string[]
    /** The shared-list warning was confirmed: kept through a later plan warning. */
    sharedConfirmed?: boolean
  } = {}
) {
  const d = deps(c)
  const accounts = await listAccounts(d.db, d.tenant.id)
  if (!values.accountId && accounts[0]) values.accountId = String(accounts[0].id)
  const account = accounts.find((a) => String(a.id) === values.accountId) ?? null
  const [segments, lists, fieldOptions] = await Promise.all([
    loadSegments(d),
    loadLists(d, account),
    loadFormFieldOptions(d, account),
  ])
  // Contact fields (#15): as submitted, else the default mapping of a new sync.
  const fieldRows =
    values.fields ??
    (opts.syncId ? [] : DEFAULT_FIELD_MAP.map(({ source, target }) => ({ source, target })))
  if (Object.keys(errors).length || opts.plan || opts.sharedWith) c.status(422)
  const title = opts.syncId ? d.t('form.editTitle') : d.t('form.newTitle')
  return c.render(
    <SyncFormPage
      t={d.t}
      locale={uiLocale(c)}
      csrf={c.var.csrfToken}
      syncId={opts.syncId}
      segments={segments}
      accounts={accounts.map((a) => ({ id: a.id, login: a.login, testMode: a.testMode }))}
      lists={lists}
      values={values}
      errors={errors}
      plan={opts.plan}
      sharedWith={opts.sharedWith}
      sharedConfirmed={opts.sharedConfirmed}
      fieldRows={fieldRows}
      fieldOptions={fieldOptions}
    />,
    { title, active: 'syncs' }
  )
}

export const syncs = new Hono<AppEnv>()
syncs.use(renderer)

syncs.get('/', async (c) => {
  const t = tr(c)
  const tenantId = c.var.tenant.id
  const [rows, accounts, firstRunDone] = await Promise.all([
    listSyncs(c.var.db, tenantId),
    listAccounts(c.var.db, tenantId),
    hasFinishedRun(c.var.db, tenantId),
  ])
  const done = FLASH_KEYS[c.req.query('done') ?? '']
  return c.render(
    <SyncsPage
      t={t}
      locale={uiLocale(c)}
      syncs={rows}
      hasAccounts={accounts.length > 0}
      firstRunDone={firstRunDone}
      filter={{ q: c.req.query('q'), state: c.req.query('state') }}
    />,
    { title: t('syncs.title'), active: 'syncs', flash: done ? t(done) : undefined }
  )
})

syncs.get('/new', (c) => showForm(c, valuesFrom(c.req.query()), {}))

syncs.post('/', async (c) => {
  const f = await formStrings(c)
  const values = valuesFrom(f)
  // Without JavaScript, "Показать списки аккаунта" re-renders the form for the chosen account.
  if (f.intent === 'reload') return showForm(c, values, {})
  const d = deps(c)
  const v = await validateSyncForm(d, values)
  if (!v.ok) return showForm(c, values, v.errors)
  const dry = f.intent === 'dry'
  if (v.sharedWith.length && f.listSharedConfirmed !== '1')
    return showForm(c, values, {}, { sharedWith: v.sharedWith })
  if (!dry && f.planConfirmed !== '1') {
    const plan = await planTooSmall(d, v.account, v.need, v.row.mode)
    if (plan) return showForm(c, values, {}, { plan, sharedConfirmed: v.sharedWith.length > 0 })
  }
  const now = Date.now()
  const sync = await insertSync(
    c.var.db,
    {
      ...v.row,
      tenantId: d.tenant.id,
      state: dry ? 'paused' : 'active',
      pausedReason: dry ? 'draft' : null,
    },
    now
  )
  await startRun(runDeps(c), {
    tenantId: d.tenant.id,
    syncId: sync.id,
    trigger: 'create',
    dryRun: dry,
  })
  return c.redirect(`/syncs/${sync.id}?done=started`, 303)
})

syncs.get('/:id/edit', loadSync, async (c) => {
  const s = c.var.sync
  const fromQuery = c.req.query('mode') ? valuesFrom(c.req.query()) : null
  const values: SyncFormValues = fromQuery ?? {
    segmentId: s.segmentId ? String(s.segmentId) : undefined,
    allCustomers: s.allCustomers,
    accountId: s.accountLogin ? String(s.unisenderAccountId) : undefined,
    listId: s.listId ? String(s.listId) : undefined,
    createList: s.createList && s.listId == null,
    listTitle: s.createList && s.listId == null ? s.listTitle : undefined,
    mode: s.mode,
    fields: parseFieldMap(s.fieldMap).map(({ source, target }) => ({ source, target })),
  }
  return showForm(c, values, {}, { syncId: s.id })
})

syncs.post('/:id', loadSync, async (c) => {
  const d = deps(c)
  const s = c.var.sync
  const f = await formStrings(c)
  const values = valuesFrom(f)
  if (f.intent === 'reload') return showForm(c, values, {}, { syncId: s.id })
  const v = await validateSyncForm(d, values, s.id)
  if (!v.ok) return showForm(c, values, v.errors, { syncId: s.id })
  const dry = f.intent === 'dry'
  if (v.sharedWith.length && f.listSharedConfirmed !== '1')
    return showForm(c, values, {}, { syncId: s.id, sharedWith: v.sharedWith })
  if (!dry && f.planConfirmed !== '1') {
    // Only the contacts the last run says are new count against the plan (#13: no false warning).
    const need = estimateNewContacts(v.need, await comparableRun(d, s, v.row))
    const plan = await planTooSmall(d, v.account, need, v.row.mode)
    if (plan)
      return showForm(
        c,
        values,
        {},
        { syncId: s.id, plan, sharedConfirmed: v.sharedWith.length > 0 }
      )
  }
  // "Проверить" keeps (or makes) the sync a draft and checks the new settings with a dry run, so
  // nothing is written unchecked; "Сохранить" activates a draft, and a sync paused because its
  // account was deleted resumes once a live account is chosen.
  const activate = !dry && (s.pausedReason === 'draft' || s.pausedReason === 'account_deleted')
  const state = dry
    ? { state: 'paused' as const, pausedReason: 'draft' }
    : activate
      ? { state: 'active' as const, pausedReason: null }
      : {}
  await updateSync(c.var.db, d.tenant.id, s.id, { ...v.row, ...state }, Date.now())
  if (dry || s.state === 'active' || activate) {
    const r = await startRun(runDeps(c), {
      tenantId: d.tenant.id,
      syncId: s.id,
      trigger: 'edit',
      dryRun: dry,
    })
    return c.redirect(`/syncs/${s.id}?done=${r.started ? 'started' : 'running'}`, 303)
  }
  return c.redirect(`/syncs/${s.id}`, 303)
})

syncs.get('/:id/delete', loadSync, async (c) => {
  const t = tr(c)
  const s = c.var.sync
  return c.render(<SyncDeletePage t={t} csrf={c.var.csrfToken} sync={s} />, {
    title: t('sync.deleteTitle'),
    active: 'syncs',
  })
})

syncs.post('/:id/delete', async (c) => {
  if (!(await deleteSync(c.var.db, c.var.tenant.id, idParam(c)))) notFound()
  return c.redirect('/syncs?done=deleted', 303)
})

syncs.route('/', syncActions)
syncs.route('/', syncView)
