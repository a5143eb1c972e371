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

/** A policy document attached to a role: inline, managed (its default version) or a boundary. */
export interface IamPolicy {
  kind: 'inline' | 'managed';
  name: string;
  /** Managed policies only. */
  arn?: string;
  /** The decoded document; null when it could not be read (then the verdict is "maybe"). */
  document: PolicyDocument | null;
  /** Why the document could not be read, when a call was refused (e.g. AccessDenied on iam:GetPolicyVersion). */
  unreadable?: string;
}

/** What a role may do: its identity policies and its permissions boundary. */
export interface IamRolePolicies {
  roleArn: string;
  /** Inline policies and attached managed policies (default version). */
  policies: IamPolicy[];
  /** The permissions boundary, when the role has one. */
  permissionsBoundary: IamPolicy | null;
}

/** One question for IAM's own evaluator (SimulatePrincipalPolicy). */
export interface SimulationQuestion {
  action: string;
  resource: string;
  /** Context entries IAM needs to decide conditions (e.g. iam:PassedToService). */
  context?: Record<string, string | string[]>;
}

export interface SimulationAnswer extends SimulationQuestion {
  /** IAM's EvalDecision, mapped. */
  decision: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** Condition keys IAM said it would need (MissingContextValues): the answer is then "maybe". */
  missingContext: string[];
}

export type IamSourceKind = 'demo' | 'snapshot' | 'live';

export interface IamSourceInfo {
  kind: IamSourceKind;
  /** Human label: "Demo account (embedded snapshot)", a file name, "live". */
  label: string;
  accountId?: string;
  partition?: string;
  capturedAt?: string;
  /** Why this source is in use, when it is not the one asked for (e.g. no credentials → demo). */
  note?: string;
  /**
   * Snapshots: which exports the file holds. `roleDetails`: the roles and their policies
   * (`get-account-authorization-details`); `profileList`: every instance profile, those without a
   * role included (`list-instance-profiles`).
   */
  coverage?: { roleDetails: boolean; profileList: boolean };
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
  /** The managed policies attached to the role (names and ARNs only), or null when there is no such role. */
  listAttachedPolicies(roleName: string): Promise<Array<{ name: string; arn: string }> | null>;
  /** The role's identity policies and permissions boundary, or null when there is no such role. */
  getRolePolicies(roleName: string): Promise<IamRolePolicies | null>;
  /**
   * IAM's own evaluator, where the source has one and may call it (live: SimulatePrincipalPolicy).
   * Resolves null when it is not available (not permitted, not implemented by the endpoint): the
   * checks then use the local evaluator. Throws IamUnavailableError like the other calls.
   */
  simulate?(roleArn: string, questions: SimulationQuestion[]): Promise<SimulationAnswer[] | null>;
  /**
   * The source for another account of the same partition (live: through a configured AssumeRole),
   * or a reason why there is none.
   */
  forAccount?(accountId: string): Promise<IamSource | { unavailable: string }>;
}
