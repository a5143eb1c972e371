import { RULES, ruleAnchor } from './catalogue';
import { FIX_DESCRIPTIONS } from '../fix/descriptions';

/** docs/rules.md, generated from the catalogue (`npm run docs:rules`); a test keeps it current. */
export function renderRulesMarkdown(): string {
  const out: string[] = [
    '# Rayguard rules',
    '',
    '<!-- Generated from lib/findings/catalogue.ts by `npm run docs:rules`. Do not edit by hand. -->',
    '',
    'Rule ids are a public contract: they are added, never renumbered. Each finding links to its rule here.',
    '',
    '| id | name | default severity | checked |',
    '| --- | --- | --- | --- |',
    ...RULES.map((r) => `| [${r.id}](#${ruleAnchor(r.id)}) | ${r.name} | ${r.severity} | ${r.checked ? 'yes' : 'not yet'} |`),
    '',
  ];
  for (const r of RULES) {
    out.push(`<a id="${ruleAnchor(r.id)}"></a>`, `## ${r.id} ${r.name}`, '');
    out.push(`Default severity: **${r.severity}**${r.checked ? '' : ' (documented, not checked yet)'}`, '');
    out.push(r.summary, '', `**Why it matters.** ${r.why}`, '', `**How to fix.** ${r.howToFix}`, '');
    if (r.fixes?.length) out.push(`**Automatic correction:** ${r.fixes.map((f) => `\`${f}\` (${FIX_DESCRIPTIONS[f]})`).join('; ')}.`, '');
    if (r.example) out.push('Example:', '', '```yaml', r.example, '```', '');
  }
  return out.join('\n');
}
