// `npm run docs`: regenerates the README's inputs and outputs tables from action.yml.
import { readFileSync, writeFileSync } from 'node:fs';
import { readAction, renderReadme } from './action-docs.ts';

const readme = readFileSync('README.md', 'utf8');
const next = renderReadme(readme, readAction('action.yml'));
if (next !== readme) writeFileSync('README.md', next);
console.log(next === readme ? 'README tables are up to date.' : 'README tables regenerated from action.yml.');
