/** Tests use the same in-process Azurite as `cleversync start` (in memory when no dbPath is given). */
export { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, startAzurite } from "../../lib/localstack/azurite";
export type { AzuriteTables } from "../../lib/localstack/azurite";
