#!/usr/bin/env node
// The rayguard CLI: a thin wrapper that loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
// The AWS SDK warns on every run that its releases after January 2027 need Node 22; on a CLI that
// buries the answer. The other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
