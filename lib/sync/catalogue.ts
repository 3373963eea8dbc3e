import type { RosterResource } from "../store";

/**
 * Resources in dependency order: a phase starts when the one before it finished, resources in
 * one phase run in parallel. Sections reference schools, terms and courses; users reference schools.
 */
export const SYNC_PHASES: readonly (readonly RosterResource[])[] = [["districts"], ["schools"], ["terms", "courses"], ["sections", "users"]];

export const ALL_RESOURCES: readonly RosterResource[] = SYNC_PHASES.flat();

/** The phases restricted to the resources a tenant syncs (empty phases dropped). */
export function phasesFor(resources: readonly RosterResource[] | undefined): RosterResource[][] {
  const wanted = new Set(resources ?? ALL_RESOURCES);
  return SYNC_PHASES.map((phase) => phase.filter((r) => wanted.has(r))).filter((phase) => phase.length > 0);
}

export function isRosterResource(value: string): value is RosterResource {
  return (ALL_RESOURCES as readonly string[]).includes(value);
}

/**
 * What a school sync reads: the school itself, then its sections and users through Clever's nested
 * lists (Clever/swagger-api v3.0.yml: /schools/{id}, /schools/{id}/sections, /schools/{id}/users).
 * Terms, courses and the district are district-wide records, so a school sync leaves them alone.
 */
export const SCHOOL_SYNC_RESOURCES: readonly RosterResource[] = ["schools", "sections", "users"];
