// Azure Monitor log alerts on the app's telemetry signals (lib/telemetry/signals.ts, README.md
// "Signals and the alerts that use them") and the action group that emails operators.
// Event names are matched literally: test/deploy/bicep.test.ts checks every name quoted in a
// query against TELEMETRY_SIGNALS, so a renamed signal fails the tests instead of silencing an alert.

@description('Azure region of the alert rules.')
param location string

@description('Tags for every resource.')
param tags object

@description('Prefix of the rule names, e.g. cleversync-staging.')
param namePrefix string

@description('Application Insights component the queries run against.')
param appInsightsId string

@description('Email address that receives the alerts.')
param alertEmail string

@description('Action group name.')
param actionGroupName string

@description('Action group short name (at most 12 characters, shown in SMS and email).')
@maxLength(12)
param actionGroupShortName string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// One entry per rule. `dimension` splits the alert (one alert per tenant / per health check).
var alertRules = [
  {
    key: 'sync-failed'
    displayName: 'CleverSync: sync failed'
    description: 'A tenant\'s sync ended in failure (SyncFailed). The run summary and the custom status of sync:{tenantId}:{runId} name the resource and the error class.'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    dimension: 'tenantId'
    query: '''
customEvents
| where name == "SyncFailed"
| extend tenantId = tostring(customDimensions.tenantId)
| project timestamp, tenantId
'''
  }
  {
    key: 'sync-held'
    displayName: 'CleverSync: sync held for review'
    description: 'A tenant\'s full sync was over a deletion/change threshold (SyncHeld): inserts and updates were applied, deletions wait. Review with GET /api/tenants/{tenantId}/held, then approve or reject.'
    severity: 2
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    dimension: 'tenantId'
    query: '''
customEvents
| where name == "SyncHeld"
| extend tenantId = tostring(customDimensions.tenantId)
| project timestamp, tenantId
'''
  }
  {
    key: 'token-refresh-failing'
    displayName: 'CleverSync: Clever token refresh failing'
    description: 'At least 2 TokenRefreshFailed for a tenant in 30 minutes and no TokenRefreshed since the last failure: syncs fail once the old token expires. See GET /api/health/clever-auth and the custom status of token:{tenantId}.'
    severity: 1
    evaluationFrequency: 'PT5M'
    windowSize: 'PT30M'
    dimension: 'tenantId'
    query: '''
let failures = customEvents
| where name == "TokenRefreshFailed"
| extend tenantId = tostring(customDimensions.tenantId)
| summarize failureCount = count(), lastFailure = max(timestamp) by tenantId;
let refreshed = customEvents
| where name == "TokenRefreshed"
| extend tenantId = tostring(customDimensions.tenantId)
| summarize lastRefreshed = max(timestamp) by tenantId;
failures
| join kind=leftouter refreshed on tenantId
| where failureCount >= 2 and (isnull(lastRefreshed) or lastRefreshed < lastFailure)
| project tenantId, failureCount
'''
  }
  {
    key: 'health-unhealthy'
    displayName: 'CleverSync: app unhealthy'
    description: 'The health check found a dependency (SQL, Tables, Key Vault, Clever) Unhealthy (HealthUnhealthy). GET /api/health shows which.'
    severity: 1
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    dimension: 'healthCheck'
    query: '''
customEvents
| where name == "HealthUnhealthy"
| extend healthCheck = tostring(customDimensions.check)
| project timestamp, healthCheck
'''
  }
]

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in alertRules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.evaluationFrequency
      windowSize: rule.windowSize
      scopes: [
        appInsightsId
      ]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            dimensions: [
              {
                name: rule.dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output actionGroupId string = actionGroup.id
output alertRuleNames array = [for rule in alertRules: '${namePrefix}-${rule.key}']
