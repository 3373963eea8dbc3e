// The Function App on Flex Consumption (Linux, Node 20) with a system-assigned managed identity.
// Every app setting is set here: a redeploy replaces the app's settings with this list, so add
// settings through the extraAppSettings parameter, not by hand in the portal.
//
// Flex Consumption rejects the classic platform settings FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_NODE_DEFAULT_VERSION, WEBSITE_RUN_FROM_PACKAGE,
// WEBSITE_CONTENTSHARE and WEBSITE_CONTENTAZUREFILECONNECTIONSTRING: the runtime and the package
// location live in functionAppConfig instead.

@description('Function App name (also its managed identity\'s display name, used by grant-app-user.sql).')
param name string

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

// SQL_CONNECTION holds no secret: the app signs in with its managed identity.
// The keyword is "Active Directory Integrated" on purpose. The app's driver (mssql 12 / tedious)
// maps that keyword, without Client Id / Client Secret / Token, to tedious'
// azure-active-directory-default (DefaultAzureCredential, i.e. the managed identity in Azure).
// It does NOT understand ADO.NET's "Active Directory Default": that falls back to SQL password
// authentication with no user and the login fails. test/deploy/bicep.test.ts parses this string
// with the installed mssql to keep that true.
var sqlConnection = 'Server=tcp:${sqlServerFqdn},1433;Database=${sqlDatabaseName};Authentication=Active Directory Integrated;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30'

// Names: lib/config/settings.ts (the app's settings) or Functions platform settings; the tests in
// test/deploy check both. No plain AzureWebJobsStorage: that would make the app use a connection
// string (and lib/runtime prefers it over TENANT_TABLES_ENDPOINT).
var coreAppSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  TASKHUB_NAME: taskHubName
  KEY_VAULT_URL: keyVaultUri
  TENANT_TABLES_ENDPOINT: tableEndpoint
  SQL_CONNECTION: sqlConnection
  CLEVER_API_BASE_URL: cleverApiBaseUrl
  CLEVER_OAUTH_BASE_URL: cleverOAuthBaseUrl
}

// Only parameters feed this object, so the loop below can be sized at the start of the deployment
// (a for-expression over resource properties would not compile, BCP178).
var appSettings = union(extraAppSettings, coreAppSettings)

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
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
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '20'
      }
    }
  }
}

output name string = site.name
output id string = site.id
@description('Default host name (the smoke test calls https://<this>/api/health/live).')
output defaultHostName string = site.properties.defaultHostName
@description('Object id of the app\'s system-assigned managed identity.')
output principalId string = site.identity.principalId
