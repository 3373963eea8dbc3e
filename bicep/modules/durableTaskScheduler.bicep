// Durable Task Scheduler (durableBackend = 'DurableTaskScheduler'): a scheduler with one task hub
// named like the Azure Storage task hub, and the app identity as Durable Task Data Contributor.
// Resource types: https://learn.microsoft.com/azure/templates/microsoft.durabletask/schedulers
// Role: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/integration#durable-task-data-contributor

@description('Scheduler name: letters, digits and hyphens, 3-64 characters.')
@minLength(3)
@maxLength(64)
param name string

@description('Azure region.')
param location string

@description('Tags.')
param tags object

@description('Task hub name (TASKHUB_NAME).')
param taskHubName string

@description('Scheduler SKU: Consumption (pay per use) or Dedicated.')
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string

@description('Object id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Optional operators (object id) who use the scheduler\'s dashboard. Empty: none.')
param operatorPrincipalId string

@description('Type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string

var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
    }
    // An empty allow list denies all traffic; the app has no fixed outbound address without VNet integration.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource appRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, appPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource operatorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scheduler.id, operatorPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

@description('Scheduler endpoint (https://...durabletask.io) for DURABLE_TASK_SCHEDULER_CONNECTION_STRING.')
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output name string = scheduler.name
