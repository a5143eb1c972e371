import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Sample {
  id: string;
  title: string;
  description: string;
}

const DIR = path.join(process.cwd(), 'data', 'samples');

export function listSamples(): Sample[] {
  return JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as Sample[];
}

/** A bundled sample's text; only ids from the index are read (no path from the request). */
export function sampleText(id: string): string | null {
  const s = listSamples().find((x) => x.id === id);
  return s ? readFileSync(path.join(DIR, `${s.id}.yaml`), 'utf8') : null;
}
