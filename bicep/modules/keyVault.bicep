// Key Vault with RBAC authorization: tenants' Clever credentials (clever-{tenant}-client-id,
// clever-{tenant}-client-secret, optional clever-{tenant}-district-token, sql-{tenant}-connection)
// and the shared token cache (clever-{tenant}-access-token, written by the app).
// The app's role (Key Vault Secrets Officer) is assigned in roleAssignments.bicep.

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Purge protection: once on it cannot be turned off, and a deleted vault keeps its name for the retention period.')
param enablePurgeProtection bool

@description('Optional Microsoft Entra object id (user, group or service principal) of the operators who add tenants\' Clever credentials. Empty: no operator role assignment.')
param operatorPrincipalId string

@description('Type of operatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string

// Built-in role: Key Vault Secrets Officer (read, write, delete secrets; no access policy admin).
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API rejects false once purge protection is on: send it only when asked for.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'Operators add tenants\' Clever credentials (az keyvault secret set).'
  }
}

output name string = vault.name
output id string = vault.id
@description('The vault URI (KEY_VAULT_URL), with a trailing slash.')
output uri string = vault.properties.vaultUri
