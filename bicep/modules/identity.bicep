// The app's user-assigned managed identity. It exists, and gets its roles (roleAssignments.bicep),
// before the Function App is created, so the app's first start and the first package upload
// already run with working storage, Key Vault and Durable Task Scheduler access. With a
// system-assigned identity the roles could only be granted after the site existed, and the first
// deployment raced role propagation. Same pattern as Microsoft's Flex Consumption quickstart
// (Azure-Samples/functions-quickstart-typescript-azd, infra/main.bicep: apiUserAssignedIdentity,
// rbac module, then the app with userAssignedIdentityResourceId for deployment storage).

@description('Identity name.')
param name string

@description('Azure region.')
param location string

@description('Tags.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
@description('Client id: AZURE_CLIENT_ID, AzureWebJobsStorage__clientId, SQL User Id.')
output clientId string = identity.properties.clientId
@description('Object (principal) id: the role assignments.')
output principalId string = identity.properties.principalId
