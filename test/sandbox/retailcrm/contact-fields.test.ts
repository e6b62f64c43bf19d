/** Contact-field sources in the sandbox CRM (#15): the custom-fields dictionary, customer data, first-name changes. */
import { describe, expect, it } from 'vitest'
import { createRetailCrmClient } from '../../../src/clients/retailcrm'
import { mappedValues } from '../../../src/sync/field-values'
import { installRetailCrm } from '../../support/sandbox-retailcrm'

describe('sandbox CRM: contact-field sources', () => {
  it('serves the custom-field dictionary and the sources the module maps', async () => {
    const crm = await installRetailCrm()
    const client = createRetailCrmClient({ systemUrl: crm.systemUrl, apiKey: await crm.issueKey() })
    const dict = await client.listCustomerFields()
    expect(dict.customFields).toEqual([
      expect.objectContaining({ code: 'loyalty_level', name: 'Уровень лояльности' }),
    ])
    const [c] = (await client.listCustomers({ ids: [7], limit: 20 })).customers
    const values = mappedValues(c!, [
      { source: 'firstName', target: 'Name', type: 'string' },
      { source: 'city', target: 'city', type: 'string' },
      { source: 'birthday', target: 'bd', type: 'date' },
      { source: 'ordersCount', target: 'n', type: 'number' },
      { source: 'cf:loyalty_level', target: 'lvl', type: 'string' },
    ])
    expect(values[0]).not.toBe('')
    expect(values.slice(1)).toEqual(['Пермь', '1977-08-08', '0', 'silver'])
  })

  it('changes a first name with its history record', async () => {
    const crm = await installRetailCrm()
    const client = createRetailCrmClient({ systemUrl: crm.systemUrl, apiKey: await crm.issueKey() })
    const before = (await client.listCustomers({ ids: [7], limit: 20 })).customers[0]!.firstName
    await crm.changeFirstName(7, 'Пётр')
    const after = (await client.listCustomers({ ids: [7], limit: 20 })).customers[0]!.firstName
    expect(after).toBe('Пётр')
    const h = await client.customersHistory({ sinceId: 70_000 })
    expect(h.history.at(-1)).toMatchObject({
      field: 'first_name',
      oldValue: before,
      newValue: 'Пётр',
      customer: { id: 7 },
    })
  })
})
