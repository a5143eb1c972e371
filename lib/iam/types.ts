/** What the checks need to know about IAM, whatever answers: a snapshot file or the live API. */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version?: string;
  Statement?: PolicyStatement | PolicyStatement[];
}

export interface IamRole {
  name: string;
  path: string;
  arn: string;
  /** The trust policy, decoded; null when it could not be read. */
  trustPolicy: PolicyDocument | null;
}

export interface IamInstanceProfile {
  name: string;
  path: string;
  arn: string;
  /** At most one role (an IAM quota that cannot be raised); empty when the profile has none. */
  roles: IamRole[];
}

export type IamSourceKind = 'demo' | 'snapshot' | 'live';

export interface IamSourceInfo {
  kind: IamSourceKind;
  /** Human label: "Demo account (embedded snapshot)", a file name, "live". */
  label: string;
  accountId?: string;
  partition?: string;
  capturedAt?: string;
}

/** Raised by a source that could not answer (no credentials, access denied, throttled...). */
export class IamUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'IamUnavailableError';
  }
}

export interface IamSource {
  info(): IamSourceInfo;
  /** The profile by name, or null when IAM has none (NoSuchEntity). */
  getInstanceProfile(name: string): Promise<IamInstanceProfile | null>;
  /** Instance profiles that contain the role, or null when there is no such role. */
  listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[] | null>;
  /** Every instance profile the source knows (for pickers and hints). */
  listInstanceProfiles(): Promise<IamInstanceProfile[]>;
}
