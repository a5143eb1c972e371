import demoAccount from './demo-account.json';
import { SnapshotIamSource } from './snapshot';

/** The embedded demo account: a GAAD snapshot that ships with the app. */
export function demoIamSource(): SnapshotIamSource {
  return new SnapshotIamSource(demoAccount, { kind: 'demo', label: 'Demo account (embedded snapshot)' });
}
