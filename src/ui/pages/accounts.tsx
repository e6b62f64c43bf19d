/** "Мои аккаунты": the block "Мои страницы Unisender" with one card per Unisender account. */
import { formatNumber, type Locale, type T } from '../../i18n'
import { Alert } from '../components/alert'
import { type ChecklistState, FirstRunChecklist } from '../components/checklist'

/** Plan numbers from getUserInfo, or why they are missing. */
export type PlanInfo = { total?: number; used?: number } | { error: string }

export interface AccountCard {
  id: number
  login: string
  maskedKey: string
  testMode: boolean
  syncCount: number
  plan: PlanInfo
}

function Plan(p: { t: T; locale: Locale; plan: PlanInfo }) {
  const { t, plan } = p
  if ('error' in plan)
    return <p class="muted">{t('accounts.planUnavailable', { message: plan.error })}</p>
  if (plan.total == null) return <p class="muted">{t('accounts.planUnknown')}</p>
  const used = plan.used ?? 0
  const n = (x: number) => formatNumber(p.locale, x)
  return (
    <p>
      {t('accounts.plan', { used: n(used), total: n(plan.total) })}
      {' · '}
      {t('accounts.planLeft', { left: n(Math.max(0, plan.total - used)) })}
    </p>
  )
}

/** The accounts page. */
export function AccountsPage(p: {
  t: T
  locale: Locale
  accounts: AccountCard[]
  /** The first-run checklist's state, shown below the accounts until its steps are done. */
  checklist?: ChecklistState
}) {
  const { t } = p
  return (
    <>
      <h1>{t('accounts.title')}</h1>
      <section aria-labelledby="unisender-pages">
        <h2 id="unisender-pages">{t('accounts.block')}</h2>
        <div class="toolbar">
          <a class="btn btn-primary" href="/accounts/new">
            {t('accounts.new')}
          </a>
        </div>
        {p.accounts.length === 0 ? <p class="muted">{t('accounts.empty')}</p> : null}
        <div class="cards">
          {p.accounts.map((a) => (
            <article class="card" data-account-id={String(a.id)}>
              <h3>{a.login}</h3>
              <dl class="meta">
                <dt>{t('accounts.apiKey')}</dt>
                <dd>{a.maskedKey}</dd>
              </dl>
              <Plan t={t} locale={p.locale} plan={a.plan} />
              <p class="muted">{t('accounts.usedBy', { count: a.syncCount })}</p>
              {a.testMode ? (
                <Alert kind="warning" title={t('accounts.testMode')}>
                  {t('accounts.testModeText')}
                </Alert>
              ) : null}
              <div class="toolbar">
                <a class="btn" href={`/accounts/${a.id}/edit`}>
                  {t('common.edit')}
                </a>
                <a class="btn btn-danger" href={`/accounts/${a.id}/delete`}>
                  {t('common.delete')}
                </a>
              </div>
            </article>
          ))}
        </div>
      </section>
      {p.checklist ? <FirstRunChecklist t={t} {...p.checklist} /> : null}
    </>
  )
}
