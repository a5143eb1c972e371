import { writeFileSync } from 'node:fs';
import { renderRulesMarkdown } from '../lib/findings/docs';

writeFileSync(new URL('../docs/rules.md', import.meta.url), renderRulesMarkdown());
console.log('wrote docs/rules.md');
