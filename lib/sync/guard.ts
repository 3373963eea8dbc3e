/**
 * The deletion and change guard: whether a full sync's deletions are plausible enough to apply
 * without a person looking. Defaults follow Clever's own "safety thresholds" (a sync that would
 * delete more than 10% or update more than 75% of a record type is held for review), plus the
 * rule roster teams use for sections: one losing more than half of at least 5 students.
 * A run over a threshold still applies its inserts and updates; only its deletions wait.
 */
import type { RosterResource, SectionLossGuard } from "../store";

export interface GuardPolicy {
  /** Hold when more than this share of a resource's live rows would be soft-deleted. */
  maxDeleteShare: number;
  /** Hold the deletions when more than this share of a resource's live rows changed. */
  maxUpdateShare: number;
  section: SectionLossGuard;
}

export const DEFAULT_GUARD: GuardPolicy = { maxDeleteShare: 0.1, maxUpdateShare: 0.75, section: { minStudents: 5, maxLossShare: 0.5 } };

/** The tenant setting (percentages) as a policy; `enabled: false` turns the guard off. */
export interface GuardSettings {
  enabled?: boolean;
  maxDeletePercent?: number;
  maxUpdatePercent?: number;
  sectionMinStudents?: number;
  sectionMaxLossPercent?: number;
}

export function guardPolicy(settings: GuardSettings | undefined): GuardPolicy | undefined {
  if (settings?.enabled === false) return undefined;
  return {
    maxDeleteShare: (settings?.maxDeletePercent ?? DEFAULT_GUARD.maxDeleteShare * 100) / 100,
    maxUpdateShare: (settings?.maxUpdatePercent ?? DEFAULT_GUARD.maxUpdateShare * 100) / 100,
    section: {
      minStudents: settings?.sectionMinStudents ?? DEFAULT_GUARD.section.minStudents,
      maxLossShare: (settings?.sectionMaxLossPercent ?? DEFAULT_GUARD.section.maxLossShare * 100) / 100,
    },
  };
}

export interface GuardInput {
  resource: RosterResource;
  /** Live rows no run since this one's start has seen: what the sweep would delete. */
  missing: number;
  /** Live rows now (after this run's inserts and restores). */
  live: number;
  inserted: number;
  restored: number;
  updated: number;
  heldSections: number;
}

export interface GuardVerdict {
  holdDeletions: boolean;
  /** Live rows before the run: the base of the shares. */
  before: number;
  /** Why the run is held (empty: not held). */
  reasons: string[];
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;

export function guardVerdict(policy: GuardPolicy | undefined, input: GuardInput): GuardVerdict {
  const before = Math.max(0, input.live - input.inserted - input.restored);
  const reasons: string[] = [];
  let holdDeletions = false;
  if (policy && input.missing > 0) {
    const deleteShare = before > 0 ? input.missing / before : 1;
    const updateShare = before > 0 ? input.updated / before : 0;
    if (deleteShare > policy.maxDeleteShare) {
      holdDeletions = true;
      reasons.push(`${input.resource}: ${input.missing} of ${before} (${percent(deleteShare)}) would be deleted, more than the ${percent(policy.maxDeleteShare)} threshold`);
    }
    if (updateShare > policy.maxUpdateShare) {
      holdDeletions = true;
      reasons.push(`${input.resource}: ${input.updated} of ${before} (${percent(updateShare)}) changed, more than the ${percent(policy.maxUpdateShare)} threshold; its ${input.missing} deletions wait for review`);
    }
  }
  if (policy && input.heldSections > 0) {
    reasons.push(`sections: ${input.heldSections} section(s) would lose more than ${percent(policy.section.maxLossShare)} of at least ${policy.section.minStudents} students; those enrollment removals wait for review`);
  }
  return { holdDeletions, before, reasons };
}
