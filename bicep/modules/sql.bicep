// Azure SQL logical server + database with Microsoft Entra-only authentication: no SQL logins,
// no password anywhere. The Entra admin (a group, ideally) runs bicep/sql/grant-app-user.sql once
// after the first deployment to make the app's managed identity a database user.
//
// The server's `administrators` block (Entra admin + Entra-only) is honoured only when the server
// is created; sending it again to an existing Entra-only server fails with
// AadOnlyAuthenticationIsEnabled (https://github.com/Azure/bicep/issues/6858). So it is sent only
// on the first deployment (serverExists = false), and the admin and Entra-only setting are managed
// on every deployment by their own child resources (servers/administrators 'ActiveDirectory',
// servers/azureADOnlyAuthentications 'Default'), which update an existing server in place.

@description('Logical server name: lowercase letters, digits and hyphens, globally unique.')
@minLength(1)
@maxLength(63)
param serverName string

@description('Database name.')
param databaseName string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Display name of the Microsoft Entra administrator (group or user) of the server.')
param adminLogin string

@description('Object id of that Microsoft Entra administrator.')
param adminObjectId string

@description('Type of the Microsoft Entra administrator.')
@allowed([
  'Group'
  'User'
  'Application'
])
param adminPrincipalType string

@description('True when the server already exists (every deployment after the first). The deploy workflow looks it up; by hand: az sql server list -g <rg>.')
param serverExists bool

@description('Database SKU, e.g. {"name": "GP_S_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 2} (serverless) or {"name": "S1", "tier": "Standard"}.')
param databaseSku object

@description('Serverless SKUs only: minutes of inactivity before the database pauses (-1 = never; at least 60 otherwise).')
param autoPauseDelayMinutes int

// Serverless SKU names carry "_S_" (GP_S_Gen5, HS_S_Gen5); only they accept autoPauseDelay / minCapacity.
var isServerless = contains(toUpper(string(databaseSku.name)), '_S_')
var serverlessSettings = {
  autoPauseDelay: autoPauseDelayMinutes
  minCapacity: json('0.5')
}
var serverlessProperties = isServerless ? serverlessSettings : {}
var databaseProperties = {
  collation: 'SQL_Latin1_General_CP1_CI_AS'
  zoneRedundant: false
}

var serverProperties = {
  version: '12.0'
  minimalTlsVersion: '1.2'
  publicNetworkAccess: 'Enabled'
}
// Creation needs an administrator: with no SQL login, that is the Entra admin with Entra-only on.
var createOnlyProperties = {
  administrators: {
    administratorType: 'ActiveDirectory'
    azureADOnlyAuthentication: true
    login: adminLogin
    sid: adminObjectId
    principalType: adminPrincipalType
    tenantId: subscription().tenantId
  }
}

resource sqlServer 'Microsoft.Sql/servers@2021-11-01' = {
  name: serverName
  location: location
  tags: tags
  properties: serverExists ? serverProperties : union(serverProperties, createOnlyProperties)
}

// The Entra admin, kept in step on every deployment (changing the group takes effect here).
resource entraAdmin 'Microsoft.Sql/servers/administrators@2021-11-01' = {
  parent: sqlServer
  name: 'ActiveDirectory'
  properties: {
    administratorType: 'ActiveDirectory'
    login: adminLogin
    sid: adminObjectId
    tenantId: subscription().tenantId
  }
}

// Entra-only authentication stays on (re-enabled if someone turned it off by hand).
resource entraOnly 'Microsoft.Sql/servers/azureADOnlyAuthentications@2021-11-01' = {
  parent: sqlServer
  name: 'Default'
  dependsOn: [
    entraAdmin
  ]
  properties: {
    azureADOnlyAuthentication: true
  }
}

// 0.0.0.0 - 0.0.0.0 is the documented rule for "Allow Azure services and resources to access this
// server": the Flex Consumption app has no fixed outbound IP without VNet integration.
resource allowAzureServices 'Microsoft.Sql/servers/firewallRules@2021-11-01' = {
  parent: sqlServer
  name: 'AllowAllWindowsAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.Sql/servers/databases@2021-11-01' = {
  parent: sqlServer
  name: databaseName
  location: location
  tags: tags
  sku: databaseSku
  properties: union(databaseProperties, serverlessProperties)
}

output serverName string = sqlServer.name
@description('Fully qualified server host name.')
output serverFqdn string = sqlServer.properties.fullyQualifiedDomainName
output databaseName string = database.name
