// Mutation scores from a Stryker JSON report (the mutation-testing-report-schema), computed the way
// Stryker does: detected (killed or timed out) over valid (detected, survived or not covered).
// Mutants that did not compile, crashed the runner or were ignored are not valid.

export interface MutationReport {
  readonly files: Record<string, { readonly mutants: ReadonlyArray<{ readonly status: string }> }>;
}

export interface Score {
  readonly detected: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly valid: number;
  /** Percent, 0 to 100; 100 when there is no valid mutant. */
  readonly score: number;
}

function score(statuses: readonly string[]): Score {
  const count = (...names: string[]): number => statuses.filter((s) => names.includes(s)).length;
  const detected = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = detected + survived + noCoverage;
  return { detected, survived, noCoverage, valid, score: valid === 0 ? 100 : (100 * detected) / valid };
}

export function mutationScores(report: MutationReport): {
  readonly total: Score;
  readonly files: ReadonlyArray<Score & { readonly file: string }>;
} {
  const entries = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
  return {
    total: score(entries.flatMap(([, f]) => f.mutants.map((m) => m.status))),
    files: entries.map(([file, f]) => ({ file, ...score(f.mutants.map((m) => m.status)) })),
  };
}
