import type { StaticRule } from './types';
import { yamlSyntax } from './rg101-yaml-syntax';
import { notAws } from './rg102-not-aws';
import { raySchema } from './rg103-ray-schema';
import { headNodeType } from './rg104-head-node-type';
import { legacyFormat } from './rg105-legacy-format';
import { headProfileMissing } from './rg201-head-profile-missing';
import { workerProfileMissing } from './rg202-worker-profile-missing';
import { profileValue } from './rg203-209-profile-value';
import { profileMisplaced } from './rg206-profile-misplaced';
import { ignoredProviderKey } from './rg208-ignored-provider-key';
import { profileChoice } from './rg210-211-profile-choice';
import { credentials } from './credentials';
import { providerAwsCredentials } from './rg406-provider-aws-credentials';
import { credentialsMount } from './rg407-credentials-mount';

/** Every static rule. Adding a rule: one module, one line here, its entry in the catalogue. */
export const STATIC_RULES: readonly StaticRule[] = [
  yamlSyntax,
  notAws,
  raySchema,
  headNodeType,
  legacyFormat,
  headProfileMissing,
  workerProfileMissing,
  profileValue,
  profileMisplaced,
  ignoredProviderKey,
  profileChoice,
  credentials,
  providerAwsCredentials,
  credentialsMount,
];
