import type { StaticRule } from './types';

/** RG101: the text is not a YAML mapping (syntax errors, duplicate keys, binary, deep nesting). */
export const yamlSyntax: StaticRule = {
  ids: ['RG101'],
  check: ({ parsed }) =>
    parsed.problems.map((p) => ({ ruleId: 'RG101', start: p.start, end: p.end, message: p.message.charAt(0).toUpperCase() + p.message.slice(1), yamlPath: '' })),
};
