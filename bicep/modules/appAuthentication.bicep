// App Service Authentication ("Easy Auth") with Microsoft Entra ID, for the dashboard and the
// /api/me routes: signed-in people and apps reach only what their app roles allow
// (CleverSync.Operator; CleverSync.Tenant.<tenantId>), see docs/access.md.
//
// Unauthenticated requests are let through (AllowAnonymous) on purpose: operators' key-only calls
// and the anonymous health probes must still reach the host, and the app itself refuses unsigned
// callers on /api/me. With no client secret, browser sign-in uses the OpenID Connect implicit flow
// for ID tokens (enable "ID tokens" on the app registration).
// Schema: https://learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2

@description('The Function App to protect.')
param functionAppName string

@description('Application (client) ID of the Entra app registration that defines the app roles.')
param entraClientId string

@description('Entra tenant (directory) ID that issues the tokens.')
param entraTenantId string

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}
