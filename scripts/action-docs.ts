// The README's inputs and outputs tables, generated from action.yml. `npm run docs` rewrites
// them in place; test/readme.test.ts fails when they drift.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

interface ActionInput {
  readonly description?: string;
  readonly default?: string;
  readonly required?: boolean;
}

interface ActionMetadata {
  readonly inputs: Record<string, ActionInput>;
  readonly outputs: Record<string, { readonly description?: string }>;
}

export function readAction(file: string): ActionMetadata {
  return parse(readFileSync(file, 'utf8')) as ActionMetadata;
}

const cell = (text: string): string =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

export function inputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.inputs).map(([name, input]) => {
    const fallback = input.default === undefined || input.default === '' ? '' : `\`${cell(input.default)}\``;
    return `| \`${name}\` | ${fallback} | ${cell(input.description ?? '')} |`;
  });
  return ['| input | default | description |', '|---|---|---|', ...rows].join('\n');
}

export function outputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.outputs).map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`);
  return ['| output | description |', '|---|---|', ...rows].join('\n');
}

/** Replaces what stands between `<!-- NAME:start … -->` and `<!-- NAME:end -->`. */
export function replaceSection(text: string, name: string, body: string): string {
  const pattern = new RegExp(`(<!-- ${name}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!pattern.test(text)) throw new Error(`README has no ${name} markers`);
  return text.replace(pattern, (_match, start: string, end: string) => `${start}${body}\n${end}`);
}

export function renderReadme(readme: string, action: ActionMetadata): string {
  return replaceSection(replaceSection(readme, 'inputs', inputsTable(action)), 'outputs', outputsTable(action));
}
