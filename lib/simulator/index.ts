/** Public surface of the Clever API simulator. */
export { CleverSimulator, type CleverSimulatorOptions, type SimulatorDistrictSpec, type SimulatorStats, type StartOptions } from './server';
export { SyntheticDistrict, ROSTER_KINDS, type ListQuery, type SyntheticDistrictOptions } from './dataset';
export { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SEED, DEMO_USERS } from './demo';
export type { FaultConfig, MalformedKind, MalformedPageFault, ScriptedFault, ScriptOptions } from './faults';
export type { RosterKind } from './generators';
export { computeLayout, type DistrictLayout } from './layout';
export type { RateLimitSettings } from './rateLimiter';
export type { SimulatorApp } from './tokens';
export { API_VERSIONS, recordForVersion, eventForVersion, type ApiVersion } from './versions';
