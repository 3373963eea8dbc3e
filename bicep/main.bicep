// CleverSyncSOS on Azure: one environment (staging, production, ...) in one resource group.
//
//   az deployment group create -g <resource group> -f bicep/main.bicep -p @bicep/main.parameters.example.json
//
// Deploys: a user-assigned identity with its roles, then the Function App on Flex Consumption
// (Node 22) running as it · storage for the task hub, tenant registry and deployment package
// (identity-based, no shared keys) · optionally a Durable Task Scheduler · Key Vault (RBAC) · Log
// Analytics + Application Insights · log alerts on the app's telemetry signals · Azure SQL with
// Microsoft Entra-only authentication. No secret is a parameter or an output.
// After the first deployment run bicep/sql/grant-app-user.sql (docs/deploy.md). Every later
// deployment passes sqlServerExists=true (the deploy workflow does it for you).
//
// Not compiled where it was written (no Bicep CLI there): .github/workflows/ci.yml compiles it.

targetScope = 'resourceGroup'

@description('Azure region for every resource. Must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Short name of this environment, used in resource names and the task hub: e.g. staging, production.')
@minLength(2)
@maxLength(10)
param environmentName string

@description('Prefix of resource names: lowercase letters and digits.')
@minLength(3)
@maxLength(10)
param namePrefix string = 'cleversync'

@description('Tags for every resource (an "environment" tag is added).')
param tags object = {}

@description('Display name of the Microsoft Entra group (or user) that administers Azure SQL, e.g. "CleverSync SQL Admins".')
param sqlAdminLogin string

@description('Object id of that Microsoft Entra group (or user).')
param sqlAdminObjectId string

@description('Type of the SQL administrator principal.')
@allowed([
  'Group'
  'User'
  'Application'
])
param sqlAdminPrincipalType string = 'Group'

@description('SQL database name.')
param sqlDatabaseName string = 'cleversync'

@description('SQL database SKU. Default: serverless General Purpose, 2 vCores at most.')
param sqlDatabaseSku object = {
  name: 'GP_S_Gen5'
  tier: 'GeneralPurpose'
  family: 'Gen5'
  capacity: 2
}

@description('Serverless SKUs only: minutes idle before the database pauses (-1 = never).')
param sqlAutoPauseDelayMinutes int = 60

@description('Email address that receives the alerts (sync failed, token refresh failing, app unhealthy).')
param alertEmail string

@description('Optional: object id of the operators (user, group or service principal). They get Key Vault Secrets Officer on the vault (to add tenants\' Clever credentials) and blob/queue/table data roles on the storage account (to use Durable Functions Monitor). Empty: none.')
param operatorPrincipalId string = ''

@description('Type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'Group'

@description('Application (client) ID of the Entra app registration for App Service Authentication (dashboard and /api/me sign-in with app roles). Empty: sign-in is off and only function keys work.')
param entraClientId string = ''

@description('Entra tenant (directory) ID issuing sign-in tokens; defaults to this subscription\'s tenant.')
param entraTenantId string = tenant().tenantId

@description('Clever Data API origin (CLEVER_API_BASE_URL).')
param cleverApiBaseUrl string = 'https://api.clever.com'

@description('Clever OAuth origin (CLEVER_OAUTH_BASE_URL).')
param cleverOAuthBaseUrl string = 'https://clever.com'

@description('Durable task hub name (TASKHUB_NAME): letters and digits, 3-45 characters, one per environment.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'CleverSync${replace(environmentName, '-', '')}'

@description('True on every deployment after the first: the SQL server exists, so its create-only administrators block is left out (Azure/bicep#6858). The deploy workflow sets it.')
param sqlServerExists bool = false

@description('Durable backend: AzureStorage (task hub in the storage account; Durable Functions Monitor reads it) or DurableTaskScheduler (managed backend with its own dashboard). docs/deploy.md says when to pick which.')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string = 'AzureStorage'

@description('DurableTaskScheduler only: the scheduler SKU.')
@allowed([
  'Consumption'
  'Dedicated'
])
param durableTaskSchedulerSku string = 'Consumption'

@description('Most instances the Function App scales out to. Each instance holds up to sqlPoolMax SQL connections: keep maximumInstanceCount x sqlPoolMax under the database\'s worker limit (GP_S_Gen5_2: 150) with headroom; docs/deploy.md has the arithmetic.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('SQL connections per instance (SQL_POOL_MAX). 40 instances x 3 = 120 of GP_S_Gen5_2\'s 150 workers, 30 left for admins, tools and parallel plans.')
@minValue(1)
@maxValue(50)
param sqlPoolMax int = 3

@description('Memory per Function App instance (MB).')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('More app settings by name (see docs/configuration.md), e.g. {"SYNC_PAGE_SIZE": "5000"}. Plain values only: never a secret (use a Key Vault reference).')
param extraAppSettings object = {}

@description('Key Vault purge protection (cannot be turned off again). Recommended for production.')
param keyVaultPurgeProtection bool = true

@description('Days Log Analytics keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

var allTags = union(tags, {
  environment: environmentName
  application: 'cleversync'
})

var baseName = '${namePrefix}-${environmentName}'
// 13 characters, stable for this resource group + environment: makes global names unique.
var suffix = uniqueString(resourceGroup().id, namePrefix, environmentName)

var names = {
  functionApp: 'func-${baseName}-${take(suffix, 6)}'
  plan: 'plan-${baseName}'
  storage: take('st${toLower(replace(namePrefix, '-', ''))}${suffix}', 24)
  deploymentContainer: 'deployment-package'
  keyVault: 'kv-${take(namePrefix, 6)}-${suffix}'
  workspace: 'log-${baseName}'
  appInsights: 'appi-${baseName}'
  sqlServer: 'sql-${baseName}-${take(suffix, 6)}'
  actionGroup: 'ag-${baseName}'
  identity: 'id-${baseName}-${take(suffix, 6)}'
  durableTaskScheduler: 'dts-${baseName}-${take(suffix, 6)}'
}

var useDurableTaskScheduler = durableBackend == 'DurableTaskScheduler'

// First: the identity the app runs as, so its roles exist before the app does.
module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    deploymentContainerName: names.deploymentContainer
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionDays
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    enablePurgeProtection: keyVaultPurgeProtection
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

module sql 'modules/sql.bicep' = {
  name: 'sql'
  params: {
    serverName: names.sqlServer
    databaseName: sqlDatabaseName
    location: location
    tags: allTags
    adminLogin: sqlAdminLogin
    adminObjectId: sqlAdminObjectId
    adminPrincipalType: sqlAdminPrincipalType
    databaseSku: sqlDatabaseSku
    autoPauseDelayMinutes: sqlAutoPauseDelayMinutes
    serverExists: sqlServerExists
  }
}

module roleAssignments 'modules/roleAssignments.bicep' = {
  name: 'roleAssignments'
  params: {
    appPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

module durableTaskScheduler 'modules/durableTaskScheduler.bicep' = if (useDurableTaskScheduler) {
  name: 'durableTaskScheduler'
  params: {
    name: names.durableTaskScheduler
    location: location
    tags: allTags
    taskHubName: taskHubName
    skuName: durableTaskSchedulerSku
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
}

// Read here and handed to the app module as a @secure() parameter, so the connection string is
// never a deployment output. The app module's explicit dependsOn on `monitoring` orders the read
// after the component exists.
resource appInsightsComponent 'Microsoft.Insights/components@2020-02-02' existing = {
  name: names.appInsights
}

// Last: the app, after its identity's roles (storage, Key Vault, Durable Task Scheduler) exist, so
// the first start and the package upload never run without them.
module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  dependsOn: [
    monitoring
    roleAssignments
    durableTaskScheduler
  ]
  params: {
    name: names.functionApp
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    durableBackend: durableBackend
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTaskScheduler!.outputs.endpoint : ''
    sqlPoolMax: sqlPoolMax
    planName: names.plan
    location: location
    tags: allTags
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: appInsightsComponent.properties.ConnectionString
    keyVaultUri: keyVault.outputs.uri
    tableEndpoint: storage.outputs.tableEndpoint
    taskHubName: taskHubName
    sqlServerFqdn: sql.outputs.serverFqdn
    sqlDatabaseName: sql.outputs.databaseName
    cleverApiBaseUrl: cleverApiBaseUrl
    cleverOAuthBaseUrl: cleverOAuthBaseUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    extraAppSettings: extraAppSettings
  }
}

// Sign-in for the dashboard and /api/me (docs/access.md); off until an app registration is given.
module appAuthentication 'modules/appAuthentication.bicep' = if (!empty(entraClientId)) {
  name: 'appAuthentication'
  params: {
    functionAppName: functionApp.outputs.name
    entraClientId: entraClientId
    entraTenantId: entraTenantId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: allTags
    namePrefix: baseName
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    actionGroupName: names.actionGroup
    actionGroupShortName: take('cs-${environmentName}', 12)
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
@description('Object id of the identity the app runs as (user-assigned).')
output functionAppPrincipalId string = identity.outputs.principalId
@description('Name of that identity: the database user grant-app-user.sql creates (APP_NAME).')
output appIdentityName string = identity.outputs.name
output durableBackend string = durableBackend
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
output keyVaultUri string = keyVault.outputs.uri
output sqlServerFqdn string = sql.outputs.serverFqdn
output sqlDatabaseName string = sql.outputs.databaseName
output appInsightsName string = monitoring.outputs.appInsightsName
output taskHubName string = taskHubName
output alertRuleNames array = alerts.outputs.alertRuleNames
