import { readFileSync } from 'node:fs';
import { demoIamSource } from '../iam/demo';
import { snapshotFromJson } from '../iam/snapshot';
import type { IamSource } from '../iam/types';

let cached: IamSource | null = null;

/**
 * The dashboard's IAM source: the snapshot file named by RAYGUARD_IAM_SNAPSHOT, else the embedded
 * demo account. (The live source comes with the IAM issue.)
 */
export function serverIamSource(): IamSource {
  if (cached) return cached;
  const file = process.env.RAYGUARD_IAM_SNAPSHOT;
  cached = file
    ? snapshotFromJson(readFileSync(file, 'utf8'), { label: file.split('/').pop() ?? 'IAM snapshot' })
    : demoIamSource();
  return cached;
}
