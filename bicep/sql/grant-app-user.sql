-- Make the app's user-assigned managed identity a user of the CleverSync database. Run once per
-- environment, after the first `az deployment group create`. The identity outlives the Function
-- App (deleting and recreating the app keeps it), so the user stays valid across redeployments.
--
-- Run it signed in as a member of the SQL Microsoft Entra admin group (param sqlAdminLogin), with
-- the identity name from the deployment output appIdentityName. For example with go-sqlcmd:
--
--   sqlcmd -S <sqlServerFqdn> -d <sqlDatabaseName> --authentication-method ActiveDirectoryDefault \
--     -v APP_NAME="<appIdentityName>" -i bicep/sql/grant-app-user.sql
--
-- (or paste it into the portal's Query editor / Azure Data Studio, replacing $(APP_NAME)).
--
-- FROM EXTERNAL PROVIDER looks the name up in Microsoft Entra ID with the signed-in admin's
-- rights. When a service principal runs this instead (automation), the SQL server's identity needs
-- Microsoft Graph read rights, or use the SID form in docs/deploy.md.
--
-- Roles: read and write the roster (db_datareader, db_datawriter) and create/alter its tables
-- (db_ddladmin): the app applies its own schema migrations on first use. Its tables live in the
-- schema `clever` (lib/store/mssqlSchema.ts), created here and owned by the app's identity, so a
-- district's own tables in dbo are never touched. Idempotent: run it again after upgrading from a
-- version that kept the tables in dbo (the app then moves them itself).

IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'$(APP_NAME)')
    CREATE USER [$(APP_NAME)] FROM EXTERNAL PROVIDER;
GO

ALTER ROLE db_datareader ADD MEMBER [$(APP_NAME)];
ALTER ROLE db_datawriter ADD MEMBER [$(APP_NAME)];
ALTER ROLE db_ddladmin ADD MEMBER [$(APP_NAME)];
GO

IF SCHEMA_ID(N'clever') IS NULL
    EXEC(N'CREATE SCHEMA clever AUTHORIZATION [$(APP_NAME)];');
GO

SELECT p.name AS database_user, r.name AS role_name
FROM sys.database_role_members AS m
JOIN sys.database_principals AS r ON r.principal_id = m.role_principal_id
JOIN sys.database_principals AS p ON p.principal_id = m.member_principal_id
WHERE p.name = N'$(APP_NAME)'
ORDER BY r.name;
GO
