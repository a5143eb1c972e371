export type { SecretHit, SecretKind } from './types';
export { scanText, scanTextDetailed, type ScanHit, type ScanOptions } from './scan';
export { maskSecret, awsAccountIdFromKeyId } from './util';
export { RULES, type Rule } from './rules';
