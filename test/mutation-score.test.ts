import { describe, expect, it } from 'vitest';
import { mutationScores } from '../scripts/mutation-score.ts';

const mutants = (...statuses: string[]) => ({ mutants: statuses.map((status) => ({ status })) });

describe('mutationScores', () => {
  it('counts killed and timed-out mutants as detected, over detected, survived and uncovered', () => {
    const scores = mutationScores({
      files: {
        'src/retry.ts': mutants('Killed', 'Killed', 'Timeout', 'Survived'),
        'src/gate.ts': mutants('Killed', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'),
      },
    });
    expect(scores.total).toEqual({ detected: 4, survived: 1, noCoverage: 1, valid: 6, score: (100 * 4) / 6 });
    expect(scores.files.map((f) => [f.file, f.score])).toEqual([
      ['src/gate.ts', 50],
      ['src/retry.ts', 75],
    ]);
  });

  it('scores a file with no valid mutant as 100', () => {
    expect(mutationScores({ files: { 'src/a.ts': mutants('Ignored') } }).total.score).toBe(100);
  });
});
