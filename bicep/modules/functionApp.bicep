// The Function App on Flex Consumption (Linux, Node 22) running as the user-assigned identity
// (identity.bicep) whose roles were granted before this module runs (main.bicep orders it).
// Every app setting is set here: a redeploy replaces the app's settings with this list, so add
// settings through the extraAppSettings parameter, not by hand in the portal.
//
// Flex Consumption rejects the classic platform settings FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENTSHARE and WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: the runtime and the package
// location live in functionAppConfig instead.

@description('Function App name.')
param name string

@description('Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (must offer Flex Consumption: az functionapp list-flexconsumption-locations).')
param location string

@description('Tags for every resource.')
param tags object

@description('Storage account of the task hub (AzureWebJobsStorage, identity-based).')
param storageAccountName string

@description('Blob container URL holding the deployment package.')
param deploymentContainerUrl string

@description('APPLICATIONINSIGHTS_CONNECTION_STRING (secure: kept out of the deployment history).')
@secure()
param appInsightsConnectionString string

@description('KEY_VAULT_URL: the vault with tenants\' Clever credentials and the token cache.')
param keyVaultUri string

@description('TENANT_TABLES_ENDPOINT: Tables endpoint of the tenant registry (identity-based).')
param tableEndpoint string

@description('TASKHUB_NAME: the Durable task hub (host.json hubName is %TASKHUB_NAME%).')
param taskHubName string

@description('Durable backend: AzureStorage (host.json) or DurableTaskScheduler (host.durable-task-scheduler.json, swapped in by the deploy workflow).')
@allowed([
  'AzureStorage'
  'DurableTaskScheduler'
])
param durableBackend string

@description('DurableTaskScheduler only: the scheduler endpoint. Empty otherwise.')
param durableTaskSchedulerEndpoint string

@description('SQL_POOL_MAX: connections per instance to the database (docs/deploy.md sizes it with maximumInstanceCount).')
@minValue(1)
param sqlPoolMax int

@description('Azure SQL server host name.')
param sqlServerFqdn string

@description('Azure SQL database name.')
param sqlDatabaseName string

@description('CLEVER_API_BASE_URL.')
param cleverApiBaseUrl string

@description('CLEVER_OAUTH_BASE_URL.')
param cleverOAuthBaseUrl string

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance (MB).')
@allowed([
  2048
  4096
])
param instanceMemoryMB int

@description('More app settings (names from docs/configuration.md), e.g. {"SYNC_PAGE_SIZE": "5000"}. The settings below win on a clash. Never a secret value: use a Key Vault reference.')
param extraAppSettings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// SQL_CONNECTION holds no secret: the app signs in as its user-assigned managed identity.
// "Active Directory Managed Identity" with User Id = the identity's client id is the documented
// ADO.NET form; lib/store/mssqlConfig.ts maps it to tedious' azure-active-directory-msi-app-service
// (mssql alone would read it as a password login). test/deploy/bicep.test.ts renders this string
// through that code.
var sqlConnection = 'Server=tcp:${sqlServerFqdn},1433;Database=${sqlDatabaseName};Authentication=Active Directory Managed Identity;User Id=${identityClientId};Encrypt=True;TrustServerCertificate=False;Connection Timeout=30'

// Names: lib/config/settings.ts (the app's settings) or Functions platform settings; the tests in
// test/deploy check both. No plain AzureWebJobsStorage: that would make the app use a connection
// string (and lib/runtime prefers it over TENANT_TABLES_ENDPOINT).
var coreAppSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // DefaultAzureCredential (Key Vault, Tables) picks the user-assigned identity by this id.
  AZURE_CLIENT_ID: identityClientId
  SQL_POOL_MAX: sqlPoolMax
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  TASKHUB_NAME: taskHubName
  KEY_VAULT_URL: keyVaultUri
  TENANT_TABLES_ENDPOINT: tableEndpoint
  SQL_CONNECTION: sqlConnection
  CLEVER_API_BASE_URL: cleverApiBaseUrl
  CLEVER_OAUTH_BASE_URL: cleverOAuthBaseUrl
}

// Durable Task Scheduler: the connection host.durable-task-scheduler.json names
// (storageProvider.connectionStringName), signed in as the user-assigned identity.
var dtsAppSettings = durableBackend == 'DurableTaskScheduler'
  ? {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    }
  : {}

// Only parameters feed this object, so the loop below can be sized at the start of the deployment
// (a for-expression over resource properties would not compile, BCP178).
var appSettings = union(extraAppSettings, coreAppSettings, dtsAppSettings)

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        for setting in items(appSettings): {
          name: setting.key
          value: string(setting.value)
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        // Node 20 reached end of life on 2026-04-30; package.json engines and the workflows match.
        version: '22'
      }
    }
  }
}

output name string = site.name
output id string = site.id
@description('Default host name (the smoke test calls https://<this>/api/health/live).')
output defaultHostName string = site.properties.defaultHostName
