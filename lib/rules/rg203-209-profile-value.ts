import { profileValues } from './profile-value';
import type { StaticRule } from './types';

/**
 * RG203 profile-malformed, RG204 arn-invalid, RG205 role-arn-not-profile, RG207 placeholder,
 * RG209 partition-mismatch: what the value of each IamInstanceProfile says (profile-value.ts).
 */
export const profileValue: StaticRule = {
  ids: ['RG203', 'RG204', 'RG205', 'RG207', 'RG209'],
  check: (ctx) => (ctx.isAws ? profileValues(ctx).flatMap((pv) => pv.problems) : []),
};
