import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** ../shared, read in place (never copied into the project). */
export const SHARED = path.resolve(__dirname, '../../../shared');
export const EXAMPLES = path.join(SHARED, 'ray-examples');
export const CORPUS = path.join(SHARED, 'corpus/secrets');

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();
}

export function readExample(name: string): string {
  return readFileSync(path.join(EXAMPLES, name), 'utf8');
}

export function corpusFiles(): string[] {
  return readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
}

export function readCorpus(name: string): string {
  return readFileSync(path.join(CORPUS, name), 'utf8');
}

export interface Label {
  line: number;
  column?: number;
  kind: string;
  text: string;
  end_line?: number;
}

export function corpusLabels(name: string): { findings: Label[]; acceptable: Label[] } {
  const j = JSON.parse(readFileSync(path.join(CORPUS, name.replace(/\.yaml$/, '.expected.json')), 'utf8'));
  return { findings: j.findings ?? [], acceptable: j.acceptable ?? [] };
}

export const SAMPLES = path.resolve(__dirname, '../../data/samples');
export function readSample(id: string): string {
  return readFileSync(path.join(SAMPLES, `${id}.yaml`), 'utf8');
}
